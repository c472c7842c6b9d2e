from chainrule._console import main

main()

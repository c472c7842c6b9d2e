from chainrule.cli import main

main(prog_name="chainrule")

"""Parse and differentiate times for a 10 kB expression and a 1000-deep chain (medians).

    python benchmarks/measure_core.py
"""
import random, statistics, time
import chainrule
from chainrule.differentiate import differentiate
def med(f, n=7):
    ts = []
    for _ in range(n):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)
random.seed(1)
terms = []
while len(" + ".join(terms)) < 10000:
    terms.append(f"{random.randint(1,9)}*x**{random.randint(1,9)}*sin({random.randint(1,5)}*x)")
text = " + ".join(terms)
deep = "sin(" * 1000 + "x" + ")" * 1000
for name, t in (("10 kB sum", text), ("1000-deep sin chain", deep)):
    e = chainrule.parse(t)
    print(f"{name} ({len(t)} chars): parse {med(lambda: chainrule.parse(t))*1e3:.1f} ms, "
          f"differentiate (steps, raw) {med(lambda: differentiate(e, 'x'))*1e3:.1f} ms, "
          f"diff (steps + light, no proof) {med(lambda: chainrule.diff(e, 'x', verify='off'))*1e3:.1f} ms, "
          f"diff with proof {med(lambda: chainrule.diff(e, 'x'), 3)*1e3:.0f} ms")

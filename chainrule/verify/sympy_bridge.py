"""Conversion between our expressions and SymPy's, in both directions.

SymPy only ever receives trees we built: symbols are created with ``sympy.Symbol(name)``
from names our parser accepted, never from user text.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import sympy as sp

from chainrule.errors import UsageError
from chainrule.expr import (
    Add,
    Const,
    Div,
    Expr,
    Func,
    Mul,
    Neg,
    Num,
    Pow,
    Symbol,
    fraction,
    postorder,
)
from chainrule.functions import FUNCTIONS

__all__ = ["to_sympy", "from_sympy", "read_user_sympy", "user_symbol_name", "sympy_symbol",
           "sympy_simplify", "run_with_budget"]

# The latest symbols made, least recently used first: bounded, so that a long-lived process
# (a server) seeing ever new names does not grow. Evicting one is harmless: SymPy symbols of
# the same name and assumptions are equal.
_SYMBOLS: OrderedDict[str, sp.Symbol] = OrderedDict()
SYMBOLS_KEPT = 4096
_SYMBOLS_LOCK = threading.Lock()
_BIG = 10_000  # a power of numbers beyond this many bits is kept unevaluated


def sympy_symbol(name: str) -> sp.Symbol:
    """Our symbols are real: the derivative of |x| is sign(x), not a complex expression."""
    with _SYMBOLS_LOCK:
        sym = _SYMBOLS.get(name)
        if sym is not None:
            _SYMBOLS.move_to_end(name)
            return sym
    sym = sp.Symbol(name, real=True)
    with _SYMBOLS_LOCK:
        _SYMBOLS[name] = sym
        while len(_SYMBOLS) > SYMBOLS_KEPT:
            _SYMBOLS.popitem(last=False)
    return sym


def _abstract(name: str, order: int, arg: Any) -> Any:
    fn = sp.Function(name)
    if order == 0:
        return fn(arg)
    if isinstance(arg, sp.Symbol):
        return sp.Derivative(fn(arg), (arg, order))
    xi = sp.Dummy("xi")
    return sp.Subs(sp.Derivative(fn(xi), (xi, order)), xi, arg)


def _pow(base: Any, exp: Any) -> Any:
    if base.is_Number and exp.is_Number:
        try:
            # the bits of the numerator or denominator the power would have
            size = abs(float(exp)) * max(1, int(abs(base.p)).bit_length(),
                                         int(base.q).bit_length())
        except (AttributeError, OverflowError, ValueError, TypeError):
            size = float("inf")
        if size > _BIG:
            return sp.Pow(base, exp, evaluate=False)
    return sp.Pow(base, exp)


_TO: dict[type, Callable[[Expr, list[Any]], Any]] = {
    Num: lambda n, k: sp.Rational(n.value.numerator, n.value.denominator),  # type: ignore[attr-defined]
    Symbol: lambda n, k: sympy_symbol(n.name),  # type: ignore[attr-defined]
    Const: lambda n, k: sp.pi if n.name == "pi" else sp.E,  # type: ignore[attr-defined]
    Add: lambda n, k: sp.Add(*k),
    Neg: lambda n, k: -k[0],
    Mul: lambda n, k: sp.Mul(*k),
    Div: lambda n, k: k[0] / k[1],
    Pow: lambda n, k: _pow(k[0], k[1]),
    Func: lambda n, k: (_abstract(n.name, n.order, k[0]) if FUNCTIONS[n.name].abstract  # type: ignore[attr-defined]
                        else FUNCTIONS[n.name].sympy(sp, *k)),  # type: ignore[attr-defined]
}


def to_sympy(expr: Expr, memo: dict[Expr, Any] | None = None, *, real: bool = True,
             abstract: dict[str, Callable[[int, Any], Any]] | None = None) -> Any:
    """The SymPy expression for ``expr`` (built bottom-up, without recursion).

    Internally symbols are real (so |x|′ is sign(x)); ``real=False`` gives plain
    ``sympy.Symbol(name)`` symbols, the ones a user's own SymPy code has. ``abstract``
    replaces f, g, h (and their derivatives f′, f″, …) by concrete functions.
    """
    memo = {} if memo is None else memo
    for node in postorder(expr, memo):
        if node not in memo:
            kids = [memo[c] for c in node.children]
            if abstract and isinstance(node, Func) and node.name in abstract:
                memo[node] = abstract[node.name](node.order, kids[0])
            else:
                memo[node] = _TO[type(node)](node, kids)
    out = memo[expr]
    if not real:
        out = out.xreplace({s: sp.Symbol(s.name) for s in out.free_symbols
                            if isinstance(s, sp.Symbol) and not isinstance(s, sp.Dummy)})
    return out


# ── from SymPy ───────────────────────────────────────────────────────────────
_BY_SYMPY_NAME = {name: name for name, e in FUNCTIONS.items() if not e.abstract}


def _from_number(e: Any) -> Expr:
    if e.is_Rational:
        return Num(Fraction(int(e.p), int(e.q)))
    if e.is_Float:
        return Num(Fraction(str(e)))
    raise UsageError(f"cannot use the number {e} in chainrule")


def _from_mul(e: Any, kids: list[Expr], memo: dict[Any, Expr]) -> Expr:
    coeff = Fraction(1)
    top: list[Expr] = []
    bottom: list[Expr] = []
    for arg, kid in zip(e.args, kids):
        if arg.is_Rational:
            coeff *= Fraction(int(arg.p), int(arg.q))
        elif arg.is_Pow and arg.exp.is_Rational and arg.exp < 0:
            bottom.append(_from_pow_parts(memo[arg.base], -arg.exp))
        else:
            top.append(kid)
    return fraction(coeff, top, bottom)


def _from_pow_parts(base: Expr, exp: Any) -> Expr:
    if exp == 1:
        return base
    if exp == sp.Rational(1, 2):
        return Func("sqrt", (base,))
    return Pow(base, _from_number(exp))


def _from_pow(e: Any, kids: list[Expr]) -> Expr:
    base, exp = kids
    if e.base is sp.E:
        return Func("exp", (exp,))
    if e.exp.is_Rational and e.exp < 0:
        return Div(Num(1), _from_pow_parts(base, -e.exp))
    if e.exp == sp.Rational(1, 2):
        return Func("sqrt", (base,))
    return Pow(base, exp)


def _from_add(e: Any, kids: list[Expr]) -> Expr:
    terms = sorted(kids, key=lambda k: isinstance(k, Neg) or (isinstance(k, Num) and k.value < 0))
    return Add(tuple(terms))


def _from_function(e: Any, kids: list[Expr]) -> Expr:
    name = type(e).__name__
    if isinstance(e, sp.Max) and len(e.args) == 2 and sp.S.Zero in e.args:
        other = kids[1] if e.args[0] == 0 else kids[0]
        return Func("relu", (other,))
    if name in ("f", "g", "h") and len(kids) == 1:
        return Func(name, tuple(kids))
    ours = _BY_SYMPY_NAME.get(name.lower())
    if ours is None:
        raise UsageError(f"chainrule has no function {name}")
    if isinstance(e, sp.Heaviside) and len(kids) == 2 and e.args[1] == sp.S.Half:
        kids = kids[:1]  # SymPy's Heaviside(u, 1/2): ours is 1/2 at 0 as well
    if len(kids) not in FUNCTIONS[ours].arities:
        raise UsageError(f"chainrule cannot represent the SymPy expression {e}")
    return Func(ours, tuple(kids))


def _from_derivative(e: Any, names: dict[str, str] | None = None) -> Expr:
    """Derivative(f(x), x) or Subs(Derivative(f(ξ), ξ), ξ, u): an abstract f′."""
    if isinstance(e, sp.Subs):
        deriv, (point,) = e.args[0], e.args[2]
        inner = from_sympy(point, names)
    else:
        deriv, inner = e, None
    fn = deriv.expr
    if fn.func.__name__ not in ("f", "g", "h") or len(fn.args) != 1:
        raise UsageError(f"chainrule cannot represent {e}")
    order = sum(int(n) for _, n in deriv.variable_count)
    arg = inner if inner is not None else from_sympy(fn.args[0], names)
    return Func(fn.func.__name__, (arg,), order)


def from_sympy(e: Any, names: dict[str, str] | None = None) -> Expr:
    """Our expression for a SymPy expression (products with negative powers become quotients).

    ``names`` renames symbols (θ → theta: see :func:`read_user_sympy`, which holds what a
    user passes in to the rules text is held to). What cannot be represented is a
    UsageError."""
    memo: dict[Any, Expr] = {}
    stack: list[tuple[Any, bool]] = [(e, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        if isinstance(node, (sp.Derivative, sp.Subs)):
            memo[node] = _from_derivative(node, names)
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in memo)
            continue
        kids = [memo[a] for a in node.args]
        memo[node] = _convert(node, kids, memo, names)
    return memo[e]


def _convert(e: Any, kids: list[Expr], memo: dict[Any, Expr],
             names: dict[str, str] | None = None) -> Expr:
    if e.is_Number:
        return _from_number(e)
    if e is sp.pi:
        return Const("pi")
    if e is sp.E:
        return Const("e")
    if e.is_Symbol:
        return Symbol(names.get(e.name, e.name) if names else e.name)
    if e.is_Add:
        return _from_add(e, kids)
    if e.is_Mul:
        return _from_mul(e, kids, memo)
    if e.is_Pow:
        return _from_pow(e, kids)
    if isinstance(e, sp.exp):
        return Func("exp", tuple(kids))
    if isinstance(e, (sp.Function, sp.Max)):
        return _from_function(e, kids)
    raise UsageError(f"chainrule cannot represent the SymPy expression {e}")


def read_user_sympy(e: Any) -> Expr:
    """Our expression for a SymPy expression a user passed in, held to the rules text is
    held to: every symbol's name must read, as text, as that one symbol (``Symbol("e")``
    would print as e, which reads back as Euler's number); numbers are real and finite
    (I, oo, nan, zoo are refused; a Float is the exact fraction of its decimal form); every
    function is one of chainrule's (an undefined SymPy function only as the abstract f, g
    or h of one argument); and the size, nesting and digit limits of the parser apply, as
    do its checks of constants with no real value (asin(2)). A refusal is a UsageError."""
    from chainrule.parser import MAX_LENGTH, MAX_NESTING, MAX_NUMBER_DIGITS
    if not isinstance(e, sp.Basic):
        raise UsageError(f"cannot differentiate a {type(e).__name__} from SymPy: pass a SymPy "
                         "expression, text or a chainrule Expr")
    names: dict[str, str] = {}
    max_bits = int(MAX_NUMBER_DIGITS * _LOG2_10) + 1  # MAX_NUMBER_DIGITS decimal digits
    stack: list[tuple[Any, int]] = [(e, 1)]
    count = 0
    while stack:
        node, level = stack.pop()
        count += 1
        if count > MAX_LENGTH:
            raise UsageError(f"the SymPy expression is too large: more than {MAX_LENGTH:,} "
                             "parts (text is limited to as many characters)")
        if level > MAX_NESTING:
            raise UsageError(f"the SymPy expression is nested too deep: more than "
                             f"{MAX_NESTING:,} levels (the limit for text too)")
        _check_user_node(node, names, max_bits)
        stack.extend((a, level + 1) for a in node.args if isinstance(a, sp.Basic))
    expr = from_sympy(e, names)
    written: dict[Expr, int] = {}  # symbols in the tree form, each shared node at every use
    for node in postorder(expr):
        written[node] = min(1 + sum([written[c] for c in node.children]), MAX_LENGTH + 1)
    if written[expr] > MAX_LENGTH:
        raise UsageError(f"the SymPy expression is too large: written out it has more than "
                         f"{MAX_LENGTH:,} symbols")
    _reads_as_text(expr)
    return expr


_LOG2_10 = 3.321928094887362

_NON_REAL = {"I": "the imaginary unit I: chainrule works with real numbers",
             "oo": "infinity (oo): chainrule works with finite real numbers",
             "-oo": "minus infinity (-oo): chainrule works with finite real numbers",
             "zoo": "complex infinity (zoo), an undefined value such as 1/0",
             "nan": "nan, not a number"}


def _check_user_node(node: Any, names: dict[str, str], max_bits: int) -> None:
    """One node of a user's SymPy expression: its symbol name, its number, its function."""
    from chainrule.parser import MAX_NUMBER_DIGITS
    if node.is_Symbol:
        if isinstance(node, (sp.Dummy, sp.Wild)):
            raise UsageError(f"the SymPy expression has a {type(node).__name__} symbol "
                             f"{node.name!r}; use sympy.Symbol")
        if node.name not in names:
            names[node.name] = user_symbol_name(node.name)
        return
    if node is sp.I or node in (sp.oo, -sp.oo, sp.zoo, sp.nan):
        raise UsageError(f"the SymPy expression has {_NON_REAL[str(node)]}")
    if node.is_Float:
        _sign, _mantissa, exponent, bits = node._mpf_
        if abs(exponent + bits) > max_bits:
            raise UsageError(f"the SymPy number {node} is too large or too small: chainrule "
                             f"works with numbers of at most {MAX_NUMBER_DIGITS:,} digits "
                             "(as text is)")
        return
    if node.is_Rational:
        if max(int(node.p).bit_length(), int(node.q).bit_length()) > max_bits:
            raise UsageError("a number in the SymPy expression is too large: chainrule works "
                             f"with numbers of at most {MAX_NUMBER_DIGITS:,} digits "
                             "(as text is)")
        return
    if node.is_Number and not node.is_real:
        raise UsageError(f"the SymPy expression has the number {node}, which is not real")
    if isinstance(node, sp.core.function.AppliedUndef):
        name = type(node).__name__
        entry = FUNCTIONS.get(name)
        abstract = [n for n, f in FUNCTIONS.items() if f.abstract]
        if entry is None or not entry.abstract:
            raise UsageError(f"the SymPy function {name!r} is not one of chainrule's; "
                             f"undefined SymPy functions may be the abstract "
                             f"{', '.join(abstract)} (of one argument) only")
        if len(node.args) != 1:
            raise UsageError(f"the abstract function {name} takes one argument, not "
                             f"{len(node.args)}")


def user_symbol_name(name: str) -> str:
    """The name a user's SymPy symbol has in chainrule: the symbol its name reads as, as
    text, by the parser's own rules (θ is theta); a UsageError saying how to name it when
    the name does not read as one symbol (e, pi, lambda, I, nan, __x, xy = x·y, sin)."""
    from chainrule.errors import ParseError
    from chainrule.expr import Const
    from chainrule.parser import parse
    advice = "name it as you would in text, such as x, t, w1 or theta"
    try:
        read = parse(name) if name.strip() == name else None
    except ParseError as err:
        hint = f" ({err.hint})" if err.hint else ""
        raise UsageError(f"the SymPy symbol {name!r} cannot be a chainrule symbol: "
                         f"{err.message}{hint}; {advice}") from None
    if isinstance(read, Symbol):
        return read.name
    if isinstance(read, Const):
        what, spelled = (("Euler's number", "sympy.E") if read.name == "e"
                         else ("the constant π", "sympy.pi"))
        raise UsageError(f"the SymPy symbol {name!r} would be written {name}, which chainrule "
                         f"reads as {what}; {advice} ({what} itself is {spelled})")
    shown = read.pretty() if read is not None else repr(name)
    raise UsageError(f"the SymPy symbol {name!r} would read as {shown}, not as one symbol; "
                     f"{advice}")


def _reads_as_text(expr: Expr) -> None:
    """The parser's checks of constants (asin(2), log(x, 1)) and digits, through the text
    that ``expr`` is written as: a SymPy input is refused where the same text would be."""
    from chainrule.errors import ParseError
    from chainrule.parser import parse
    try:
        text = str(expr)
    except ValueError:  # an integer too long for Python to write as decimal digits
        raise UsageError("a number in the SymPy expression is too large to work with") from None
    try:
        parse(text, strict=True)
    except ParseError as err:
        hint = f" ({err.hint})" if err.hint else ""
        raise UsageError(f"the SymPy expression is refused as its text would be: "
                         f"{err.message}{hint}") from None


# ── bounded SymPy work ───────────────────────────────────────────────────────
def run_with_budget(fn: Callable[[], Any], budget: float) -> tuple[bool, Any]:
    """Run ``fn`` in a daemon thread; (True, value) if it finished within ``budget`` seconds.

    SymPy has no time limits of its own. A thread that overruns is told to stop (an
    exception is raised in it at its next Python instruction, so an abandoned
    ``simplify`` does not go on using a CPU in a long-lived process); it is a daemon, so it
    never keeps the process alive either way. Exceptions are returned as the value.
    """
    box: list[Any] = []

    def target() -> None:
        try:
            try:
                box.append(fn())
            except BaseException as exc:  # returned to the caller
                box.append(exc)
        except BaseException:  # the stop request arrived as it finished
            pass

    thread = threading.Thread(target=target, daemon=True, name="chainrule-sympy")
    thread.start()
    thread.join(budget)
    if not box:
        if thread.is_alive() and thread.ident is not None:
            _stop(thread.ident)
        return False, None
    return True, box[0]


class _OverBudget(BaseException):
    """Raised inside a SymPy thread that ran out of time (not an Exception: SymPy's
    ``except Exception`` blocks must not swallow it)."""


def _stop(ident: int) -> None:
    import ctypes
    _quiet_stops()
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident),
                                               ctypes.py_object(_OverBudget))


def _quiet_stops() -> None:
    """The stop request may arrive where Python cannot raise it (a weakref callback, a
    ``__del__``): it then reports it as "Exception ignored in …" on stderr. That report is
    ours, expected and harmless, so it is not printed; every other one still is."""
    previous = sys.unraisablehook
    if getattr(previous, "_chainrule", False):
        return

    def hook(args: Any) -> None:
        if isinstance(args.exc_value, _OverBudget):
            return
        previous(args)
    hook._chainrule = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook


def sympy_simplify(e: Any, budget: float) -> Any | None:
    done, value = run_with_budget(lambda: sp.simplify(e), budget)
    if not done or isinstance(value, BaseException):
        return None
    return value

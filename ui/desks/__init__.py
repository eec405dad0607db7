"""The till window's flows, one desk a module: the window (``ui.main_window``) lays out
the screen and composes the desks; each desk holds one group of the cashier's or the
manager's flows (its keys, its dialogs, what it renders after) and reaches the counter,
the worker and the screen through the window.

A key in the window's tables names its action as ``"desk.method"`` (``"returns.
return_sale"``) or, for the window's own, ``"method"``.
"""

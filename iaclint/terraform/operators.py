"""Terraform's unary and binary operators on evaluated values (the evaluator short-circuits ``&&`` / ``||``
itself, since their right operand is evaluated only when it decides)."""
from __future__ import annotations

from typing import Any

from .functions import equal, num, to_num
from .values import Unknown, plain, truthy


def unary(op: str, v) -> Any:
    if isinstance(v, Unknown):
        return plain(v)
    if op == "!":
        tv = truthy(v)
        return Unknown("! of non-bool") if tv is None else (not tv)
    if op == "-":
        n = to_num(v)
        return Unknown("- of non-number") if n is None else -n
    return Unknown(f"unknown operator {op}")


def binary(op: str, lv, rv) -> Any:
    """``lv op rv`` for the comparison and arithmetic operators; an Unknown operand gives an Unknown."""
    if isinstance(lv, Unknown):
        return plain(lv)
    if isinstance(rv, Unknown):
        return plain(rv)
    if op == "==":
        return equal(lv, rv)
    if op == "!=":
        return not equal(lv, rv)
    a, b = to_num(lv), to_num(rv)
    if a is None or b is None:
        return Unknown(f"operator {op} needs numbers")
    try:
        if op == "+":
            return num(a + b)
        if op == "-":
            return num(a - b)
        if op == "*":
            return num(a * b)
        if op == "/":
            return num(a / b) if b else Unknown("division by zero")
        if op == "%":
            return num(a % b) if b else Unknown("modulo by zero")
        if op == "<":
            return a < b
        if op == ">":
            return a > b
        if op == "<=":
            return a <= b
        if op == ">=":
            return a >= b
    except (OverflowError, ValueError):
        return Unknown("numeric overflow")
    return Unknown(f"unknown operator {op}")

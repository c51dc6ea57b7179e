"""Money is integer fen; programme files speak yuan. The one place that converts between them."""

from decimal import Decimal, InvalidOperation

FEN_PER_YUAN = 100


def yuan_to_fen(amount: int | str | Decimal) -> int:
    """Exact conversion; floats are refused because 0.1 yuan has no exact binary form."""
    if isinstance(amount, bool) or isinstance(amount, float):
        raise ValueError("金额须写成整数或带引号的小数（如 '1234.50'），不接受浮点数")
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValueError(f"金额格式不正确：{amount!r}") from exc
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"金额最多保留两位小数（分）：{amount}")
    if fen < 0:
        raise ValueError(f"金额不能为负数：{amount}")
    return int(fen)


def format_fen(fen: int) -> str:
    """'300,000.00 元' — how amounts read in notices and messages."""
    yuan, cents = divmod(fen, FEN_PER_YUAN)
    return f"{yuan:,}.{cents:02d} 元"

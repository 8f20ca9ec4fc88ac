"""Masking of personal numbers in exported text (obviously fake numbers only)."""

from __future__ import annotations

import pytest

from findings.export.masking import find_personal, mask_contact, mask_text


@pytest.mark.parametrize("text, hidden, shown", [
    ("身份证000000190001010000", "000000190001010000", "000***********0000"),
    ("证件号 00000019000101000X 包过", "00000019000101000X", "000***********000X"),
    ("电话 13800001234", "13800001234", "138****1234"),
    ("tel 138-0000-1234", "138-0000-1234", "138-****-1234"),
    ("加QQ：100001111", "100001111", "10*****11"),
    ("详情Q：100009279", "100009279", "10*****79"),
    ("卡号 6222 0000 0000 0000", "6222 0000 0000 0000", "6222 **** **** 0000"),
    ("call +44 20 7946 0000", "+44 20 7946 0000", "+44"),
    ("mail demo_seller@example.com", "demo_seller@example.com", "d*********r@example.com"),
])
def test_personal_numbers_are_masked_keeping_only_the_ends(text, hidden, shown):
    masked = mask_text(text)
    assert hidden not in masked
    assert shown in masked


def test_circled_and_full_width_digits_do_not_slip_through():
    masked = mask_text("联系①③⑧００００１２３４")
    assert "****" in masked
    assert masked.endswith("１２３４") and masked.startswith("联系①③⑧")


def test_prices_dates_and_bare_numbers_stay_readable():
    text = "价格 128元，2024-01-01 发货，编号 20240101，库存 100000 件"
    assert mask_text(text) == text
    assert find_personal(text) == []


def test_contacts_are_masked_by_kind():
    assert mask_contact("phone", "13800001234") == "138****1234"
    assert mask_contact("qq", "100001111") == "10*****11"
    masked = mask_contact("wechat", "demo_wx_abc123")
    assert masked != "demo_wx_abc123" and masked.startswith("dem") and masked.endswith("123")

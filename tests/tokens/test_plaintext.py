import math

import pytest

from tokens.plaintext import (
    ALPHABET,
    PREFIX,
    RANDOM_LENGTH,
    plaintext_display_prefix,
    plaintext_generate,
    plaintext_hash,
    plaintext_is_well_formed,
)
from tokens.selectors import api_token_by_plaintext
from tokens.services import token_generate


def _mutated(plaintext: str, position: int) -> str:
    original = plaintext[position]
    replacement = (
        ALPHABET[(ALPHABET.index(original) + 1) % len(ALPHABET)] if original in ALPHABET else "x"
    )
    return plaintext[:position] + replacement + plaintext[position + 1 :]


def test_it_has_the_prefix_and_at_least_160_random_bits():
    plaintext = plaintext_generate()
    assert plaintext.startswith(PREFIX)
    assert RANDOM_LENGTH * math.log2(len(ALPHABET)) >= 160
    # Even after the display prefix is shown, what stays secret is >= 160 bits.
    hidden = RANDOM_LENGTH - (len(plaintext_display_prefix(plaintext)) - len(PREFIX))
    assert hidden * math.log2(len(ALPHABET)) >= 160
    assert plaintext_is_well_formed(plaintext)


def test_it_generates_different_tokens_each_time():
    assert len({plaintext_generate() for _ in range(200)}) == 200


def test_it_stores_a_sha256_hex_digest():
    assert len(plaintext_hash(plaintext_generate())) == 64


@pytest.mark.parametrize("position", range(len(plaintext_generate())))
def test_the_checksum_rejects_any_one_character_change_without_a_query(
    organization, django_assert_num_queries, position
):
    _token, plaintext = token_generate(organization=organization)
    mutated = _mutated(plaintext, position)
    assert mutated != plaintext
    with django_assert_num_queries(0):
        assert not plaintext_is_well_formed(mutated)
        assert api_token_by_plaintext(plaintext=mutated) is None


@pytest.mark.parametrize(
    "candidate",
    [
        "",
        "shl_",
        "shl_short",
        "ghp_" + "a" * 42,
        "shl_" + "a" * 41,
        "shl_" + "a" * 43,
        "shl_" + "-" * 42,
    ],
)
def test_it_rejects_malformed_tokens(candidate):
    assert not plaintext_is_well_formed(candidate)

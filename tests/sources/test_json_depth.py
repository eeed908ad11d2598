"""Deeply nested JSON is refused by a limit of its own, with the depth in the message, wherever it is
read from (fuzzing campaign, session 11): the parser's limit counted the caller's frames, so a value
that parsed from a script was refused inside a run, and a parsed hint could recurse again."""
from __future__ import annotations

import json
import sys

import pytest

from flows.settings import Settings
from flows.sources import error_reason, iter_local_documents
from flows.sources.jsondepth import MAX_DEPTH

STORY = "The council approved the new river bridge on Tuesday after a long debate. " * 5


def read(path):
    return list(iter_local_documents([path], Settings()))


def nested_list(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def at_stack_depth(frames: int, fn):
    """``fn()`` called under ``frames`` more Python frames (a run's stack is deep)."""
    return fn() if frames == 0 else at_stack_depth(frames - 1, fn)


@pytest.mark.parametrize("body", [nested_list(100_000), nested_object(100_000)], ids=["list", "object"])
def test_a_json_file_nested_100000_deep_is_one_row_naming_the_depth(tmp_path, body):
    path = tmp_path / "deep.json"
    path.write_text(body)
    [doc] = read(path)
    assert doc.source == str(path) and error_reason(doc.error) == "malformed_json"
    assert doc.error == f"malformed JSON: nested too deep: 100,000 levels of arrays and objects (limit {MAX_DEPTH})"


def test_deep_json_lines_are_rows_of_their_own(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join([json.dumps({"text": STORY}), nested_object(50_000),
                               '{"text": "x", "title": %s}' % nested_list(MAX_DEPTH + 5), json.dumps({"text": STORY})]))
    docs = read(path)
    assert [d.error is None for d in docs] == [True, False, False, True]
    assert "50,000 levels" in docs[1].error and f"{MAX_DEPTH + 6} levels" in docs[2].error


@pytest.mark.parametrize("frames", [0, 600])
def test_the_limit_does_not_depend_on_the_callers_stack(tmp_path, frames):
    assert sys.getrecursionlimit() - frames > MAX_DEPTH + 100  # the premise: room for the limit itself
    shallow, deep = tmp_path / "shallow.json", tmp_path / "deep.json"
    shallow.write_text('{"text": %s, "title": %s}' % (json.dumps(STORY), nested_list(MAX_DEPTH - 1)))
    deep.write_text('{"text": %s, "title": %s}' % (json.dumps(STORY), nested_list(MAX_DEPTH + 200)))
    [kept] = at_stack_depth(frames, lambda: read(shallow))
    [refused] = at_stack_depth(frames, lambda: read(deep))
    assert kept.error is None and kept.content == STORY.encode()
    assert refused.error == (f"malformed JSON: nested too deep: {MAX_DEPTH + 201} levels of arrays and "
                             f"objects (limit {MAX_DEPTH})")  # the same words, parsed or not


def test_one_deep_item_of_an_array_costs_only_itself(tmp_path):
    path = tmp_path / "items.json"
    path.write_text("[%s, %s, %s]" % (json.dumps({"text": STORY}), nested_list(MAX_DEPTH + 50),
                                       json.dumps({"text": STORY + " Later."})))
    docs = read(path)
    assert [d.source for d in docs] == [f"{path}#1", f"{path}#2", f"{path}#3"]
    assert docs[0].error is None and docs[2].error is None
    assert docs[1].error.startswith("malformed JSON in item 2: nested too deep")

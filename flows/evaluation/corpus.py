"""Synthetic news articles with planted copies, for the dedup benchmarks and tests.

    python -m flows.evaluation.corpus --n 20000 --out DIR [--format txt|jsonl|html] [--copy-rate 0.1] [--seed 1]

Writes the articles (one file each for txt/html, one ``articles.jsonl``) and
``labels.jsonl``: one line per planted pair, ``{"a", "b", "label": "copy" |
"not_copy", "pattern"}``, plus ``clusters.jsonl`` (the planted copy clusters).

Articles are built from a Zipf-distributed made-up vocabulary with
capitalised names per event (so stories can be grouped), paragraphs and
sentences. Copies use the patterns the dedup stage must catch: exact (after
case/whitespace/quote changes), trimmed to about two thirds, a local paragraph
added, a new opening paragraph, light re-editing, spam tokens, another site's
template, and combinations. Hard non-copies: different stories sharing a
boilerplate block, quoting the same paragraph, a short brief under a long
boilerplate block, and a different write-up of the same event.

Importable: ``generate(n, seed, copy_rate)`` and the ``COPY_PATTERNS`` functions.
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

_SYLLABLES = ("ka ri to na me lo su pe ra vi do ne ta mi ko la se ru fa bo gi ve lu ma no ti sa re po di "
              "an el in or us ar en il on ur ste pra gro tle ver mon dal sen tor").split()
FUNCTION_WORDS = ("the of and to a in that is for on was with he it as said at by from his an be has have "
                  "are were but not which this after who they their its been would also had more will").split()

BOILERPLATE = [
    "Sign up for our daily newsletter to get the latest headlines delivered straight to your inbox every "
    "morning. You can unsubscribe at any time, and we will never share your email address with anyone.",
    "Disclaimer: the views and opinions expressed in this article are those of the authors and do not "
    "necessarily reflect the official policy or position of the publisher. Content is provided for "
    "information only and is not investment advice.",
    "About the company: founded more than twenty years ago, the group operates in over forty countries and "
    "employs thousands of people. It is listed on several stock exchanges and publishes its results every "
    "quarter. For more information, visit the company's website or contact its press office.",
    "This material may not be published, broadcast, rewritten or redistributed without permission. All "
    "rights reserved. Reporting was supported by a grant; the funders had no say over the coverage.",
    "Have a news tip? Contact our newsroom by email or through our secure form. Follow us on social media "
    "for breaking news, live updates, photos and video from our reporters around the region.",
    "Forward-looking statements: this release contains statements that involve risks and uncertainties. "
    "Actual results may differ materially from those projected, and the company undertakes no obligation "
    "to update any forward-looking statement, whether as a result of new information or otherwise.",
]


@dataclass
class GenArticle:
    key: str
    title: str
    text: str
    published: dt.date
    url: str
    cluster: str  # planted copy cluster (the base article's key)
    story: str  # planted event
    pattern: str  # how it was made: base, or a copy pattern, or a non-copy pattern


@dataclass
class World:
    """Vocabulary, names and events shared by the articles of one corpus."""

    rng: random.Random
    vocab: list[str] = field(default_factory=list)
    cum: list[float] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    @classmethod
    def make(cls, seed: int, n_vocab: int = 30000, n_names: int = 4000) -> "World":
        rng = random.Random(seed)
        seen, vocab = set(FUNCTION_WORDS), list(FUNCTION_WORDS)
        while len(vocab) < n_vocab:
            w = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 4))))
            if w not in seen:
                seen.add(w)
                vocab.append(w)
        weights = [1.0 / (r + 1) ** 1.05 for r in range(len(vocab))]
        cum, total = [], 0.0
        for w in weights:
            total += w
            cum.append(total)
        names = []
        while len(names) < n_names:
            parts = ["".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3)))).capitalize()
                     for _ in range(rng.choice((1, 2, 2)))]
            names.append(" ".join(parts))
        return cls(rng=rng, vocab=vocab, cum=cum, names=names)

    def words(self, rng: random.Random, n: int) -> list[str]:
        return rng.choices(self.vocab, cum_weights=self.cum, k=n)

    def sentence(self, rng: random.Random, entities: list[str]) -> str:
        words = self.words(rng, rng.randint(8, 24))
        if entities and rng.random() < 0.6:
            words.insert(rng.randrange(1, len(words)), rng.choice(entities))
        words[0] = words[0][:1].upper() + words[0][1:]
        return " ".join(words) + rng.choice((".", ".", ".", ",” he said.", "."))

    def paragraph(self, rng: random.Random, entities: list[str], n_sent: int | None = None) -> str:
        return " ".join(self.sentence(rng, entities) for _ in range(n_sent or rng.randint(2, 4)))

    def article(self, rng: random.Random, entities: list[str], n_paras: int | None = None) -> list[str]:
        return [self.paragraph(rng, entities) for _ in range(n_paras or rng.randint(5, 11))]


# --------------------------------------------------------------------------- copy patterns
# Each takes the base paragraphs, an rng and a "filler" function (new paragraph of other
# text) and returns the copy's paragraphs.

def exact(paras, rng, filler):
    """Same text; only case, whitespace, quote styles and punctuation differ."""
    out = []
    for p in paras:
        p = p.replace("'", "’").replace(",” he said", ", ” he said").replace(". ", ".  ")
        out.append(p.upper() if rng.random() < 0.1 else p)
    return out


def trimmed(paras, rng, filler):
    """Syndicated copy trimmed to about two thirds (the last paragraphs dropped)."""
    total = sum(len(p.split()) for p in paras)
    keep, n = [], 0
    target = total * rng.uniform(0.6, 0.75)
    for p in paras:
        if n >= target and keep:
            break
        keep.append(p)
        n += len(p.split())
    return keep


def local_paragraph(paras, rng, filler):
    """A paragraph of local news added in the middle or at the end."""
    out = list(paras)
    out.insert(rng.randint(len(out) // 2, len(out)), filler(rng))
    return out


def new_opening(paras, rng, filler):
    """A new opening paragraph before the syndicated text."""
    return [filler(rng)] + list(paras)


def reedited(paras, rng, filler, rate: float = 0.02):
    """Light re-editing: about ``rate`` of the words replaced, inserted or dropped."""
    words = [p.split() for p in paras]
    total = sum(len(w) for w in words)
    for _ in range(max(1, int(total * rate))):
        i = rng.choices(range(len(words)), weights=[len(w) for w in words])[0]
        w = words[i]
        j = rng.randrange(len(w))
        op = rng.random()
        if op < 0.4:
            w[j] = rng.choice(("that", "also", "then", "now", "still", "reportedly"))
        elif op < 0.7:
            w.insert(j, rng.choice(("that", "also", "on", "the", "very")))
        elif len(w) > 5:
            del w[j]
    return [" ".join(w) for w in words]


def spam_tokens(paras, rng, filler):
    """Spam tokens glued into the text (what a spam site injects)."""
    token = rng.choice(("verdicoin", "xbetpromo", "cryptoboost", "slotmania")) + str(rng.randint(1, 99))
    out = list(paras)
    for _ in range(rng.randint(2, 5)):
        i = rng.randrange(len(out))
        words = out[i].split()
        j = rng.randrange(len(words))
        words[j] = words[j] + token
        out[i] = " ".join(words)
    return out


def site_template(paras, rng, filler):
    """Another site's template around the text: boilerplate blocks that many of its pages carry."""
    head = rng.choice(BOILERPLATE[:3])
    tail = rng.choice(BOILERPLATE[3:])
    return [head] + list(paras) + [tail]


def trimmed_reedited(paras, rng, filler):
    return reedited(trimmed(paras, rng, filler), rng, filler)


def opening_and_template(paras, rng, filler):
    return site_template(new_opening(paras, rng, filler), rng, filler)


def local_and_spam(paras, rng, filler):
    return spam_tokens(local_paragraph(paras, rng, filler), rng, filler)


COPY_PATTERNS = {
    "exact": exact, "trimmed": trimmed, "local_paragraph": local_paragraph, "new_opening": new_opening,
    "reedited": reedited, "spam_tokens": spam_tokens, "site_template": site_template,
    "trimmed_reedited": trimmed_reedited, "opening_and_template": opening_and_template,
    "local_and_spam": local_and_spam,
}


# --------------------------------------------------------------------------- non-copy patterns

def shared_boilerplate(own_paras, base_paras, rng, boiler):
    """A different story carrying the same boilerplate block as the base."""
    return list(own_paras) + [boiler]


def shared_quote(own_paras, base_paras, rng, boiler):
    """A different story quoting one paragraph of the base."""
    out = list(own_paras)
    out.insert(rng.randint(1, len(out)), rng.choice(base_paras))
    return out


NOT_COPY_PATTERNS = {"shared_boilerplate": shared_boilerplate, "shared_quote": shared_quote}


def generate(n: int, seed: int = 1, copy_rate: float = 0.1, not_copy_rate: float = 0.05,
             start: dt.date = dt.date(2024, 1, 1), days: int = 365) -> tuple[list[GenArticle], list[dict]]:
    """``n`` articles (about ``copy_rate`` of them planted copies) and the labelled pairs."""
    world = World.make(seed)
    rng = random.Random(seed + 1)
    arts: list[GenArticle] = []
    paras_of: dict[str, list[str]] = {}
    labels: list[dict] = []
    events: list[tuple[list[str], dt.date, str]] = []
    members: dict[str, list[str]] = {}

    def filler(r):
        return world.paragraph(r, r.sample(world.names, 3))

    def new_event():
        ev = (rng.sample(world.names, 6), start + dt.timedelta(days=rng.randrange(days)), f"ev{len(events):06d}")
        events.append(ev)
        return ev

    def add(paras, title, published, cluster, story, pattern) -> GenArticle:
        key = f"gen-{seed}-{len(arts):07d}"
        a = GenArticle(key, title, "\n\n".join(paras), published, f"https://site{len(arts) % 97}.example/{key}",
                       cluster or key, story, pattern)
        arts.append(a)
        paras_of[key] = paras
        return a

    copy_names = list(COPY_PATTERNS)
    while len(arts) < n:
        r = rng.random()
        bases = [a for a in arts[-500:] if a.pattern == "base"]
        if r < copy_rate and bases:
            base = rng.choice(bases)
            pattern = rng.choice(copy_names)
            paras = COPY_PATTERNS[pattern](paras_of[base.key], rng, filler)
            shift = rng.randint(-3, 30) if rng.random() < 0.15 else rng.randint(0, 30)
            a = add(paras, base.title, base.published + dt.timedelta(days=shift), base.cluster, base.story, pattern)
            for other in members.setdefault(base.cluster, [base.key]):
                labels.append({"a": other, "b": a.key, "label": "copy", "pattern": pattern})
            members[base.cluster].append(a.key)
        elif r < copy_rate + not_copy_rate and bases:
            base = rng.choice(bases)
            pattern = rng.choice(list(NOT_COPY_PATTERNS))
            ents, day, story = new_event() if rng.random() < 0.7 else next(
                (e for e in events if e[2] == base.story), new_event())
            own = world.article(rng, ents)
            boiler = rng.choice(BOILERPLATE)
            if pattern == "shared_boilerplate":
                own_b = world.article(rng, ents)
                b1 = add(shared_boilerplate(own_b, [], rng, boiler), world.paragraph(rng, ents, 1)[:60],
                         day, None, story, pattern)
                a = add(shared_boilerplate(own, [], rng, boiler), world.paragraph(rng, ents, 1)[:60], day,
                        None, story, pattern)
                labels.append({"a": b1.key, "b": a.key, "label": "not_copy", "pattern": pattern})
            else:
                a = add(shared_quote(own, paras_of[base.key], rng, boiler), world.paragraph(rng, ents, 1)[:60],
                        day, None, story, pattern)
                labels.append({"a": base.key, "b": a.key, "label": "not_copy", "pattern": pattern})
        else:
            ents, day, story = new_event()
            if rng.random() < 0.2:  # a site's boilerplate on an original article (template text)
                paras = world.article(rng, ents) + [rng.choice(BOILERPLATE)]
            else:
                paras = world.article(rng, ents)
            add(paras, world.paragraph(rng, ents, 1)[:70], day, None, story, "base")
    return arts[:n], [lb for lb in labels if int(lb["b"].rsplit("-", 1)[1]) < n]


def write(arts: list[GenArticle], labels: list[dict], out: Path, fmt: str = "txt") -> None:
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        with open(out / "articles.jsonl", "w", encoding="utf-8") as fh:
            for a in arts:
                fh.write(json.dumps({"id": a.key, "url": a.url, "title": a.title, "published": a.published.isoformat(),
                                     "text": a.text}, ensure_ascii=False) + "\n")
    else:
        folder = out / "articles"
        folder.mkdir(exist_ok=True)
        for a in arts:
            if fmt == "txt":
                body = f"{a.title}\n\n{a.published.isoformat()}\n\n{a.text}\n"
                (folder / f"{a.key}.txt").write_text(body, encoding="utf-8")
            else:
                paras = "".join(f"<p>{html.escape(p)}</p>\n" for p in a.text.split("\n\n"))
                page = (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{html.escape(a.title)}</title>"
                        f"<meta property=\"article:published_time\" content=\"{a.published.isoformat()}\">"
                        f"<link rel=\"canonical\" href=\"{a.url}\"></head><body><nav><a href=\"/\">Home</a></nav>"
                        f"<article><h1>{html.escape(a.title)}</h1>\n{paras}</article>"
                        f"<footer>Copyright example</footer></body></html>")
                (folder / f"{a.key}.html").write_text(page, encoding="utf-8")
    with open(out / "labels.jsonl", "w", encoding="utf-8") as fh:
        for lb in labels:
            fh.write(json.dumps(lb) + "\n")
    with open(out / "clusters.jsonl", "w", encoding="utf-8") as fh:
        for a in arts:
            fh.write(json.dumps({"key": a.key, "cluster": a.cluster, "story": a.story, "pattern": a.pattern,
                                 "published": a.published.isoformat()}) + "\n")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--format", choices=("txt", "jsonl", "html"), default="txt")
    ap.add_argument("--copy-rate", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    arts, labels = generate(args.n, args.seed, args.copy_rate)
    write(arts, labels, args.out, args.format)
    n_copies = sum(a.pattern in COPY_PATTERNS for a in arts)
    print(f"wrote {len(arts)} articles ({n_copies} planted copies, {len(labels)} labelled pairs) to {args.out}")


if __name__ == "__main__":
    main()

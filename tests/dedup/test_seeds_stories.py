"""The seeds (SEEDS.md) and story grouping, with unrelated dev pages kept apart."""
from __future__ import annotations

import datetime as dt

from .conftest import duplicates, ingest, make_article, story_of


def test_seeds_one_near_duplicate_one_story(con, seed_articles):
    arts = [seed_articles[k] for k in ("004", "003", "002", "001", "000")]  # arrival order must not matter
    report = ingest(con, arts)
    ids = {k: a.article_id for k, a in seed_articles.items()}
    dups = duplicates(con)
    assert dups == {ids["001"]: (ids["000"], "near")}
    sim = con.execute("SELECT similarity FROM duplicates").fetchone()[0]
    assert 0.8 <= sim <= 1.0
    assert report.near == 1 and report.exact == 0
    # 003 and 004 share passages without being copies
    pairs = {tuple(sorted((a, b))): s for a, b, s in
             con.execute("SELECT article_id, other_id, shared_shingles FROM passages").fetchall()}
    assert tuple(sorted((ids["003"], ids["004"]))) in pairs
    stories = story_of(con)
    assert len(stories) == 5 and len(set(stories.values())) == 1
    assert con.execute("SELECT count(*) FROM articles_unique").fetchone()[0] == 4
    view = con.execute("SELECT n_articles, n_unique FROM story_summary").fetchall()
    assert view == [(5, 4)]


UNRELATED = [  # dev pages about different events (not slashgear's VW concept car: it was shown at this L.A. auto show)
    "https://www.ctpost.com/news/us/article/New-SUVs-and-electric-vehicles-highlight-L-A-14848164.php",
    "https://www.cbsnews.com/news/michael-webb-fort-worth-dramatic-video-shows-rescue-of-8-year-old-kidnapping-victim/",
    "https://theantijunecleaver.com/2014/09/make-arrowhead-water-a-part-of-your-mountain-hike-survival-kit/",
    "https://www.vox.com/science-and-health/2019/11/8/20948348/delhi-india-air-pollution-quality-cause",
    "https://www.sciencealert.com/nasa-finds-water-plumes-above-the-surface-of-jupiter-s-icy-moon-europa",
    "https://www.billboard.com/articles/news/8544119/doobie-brothers-reunite-50th-anniversary-tour-north-america-2020",
    "https://venturebeat.com/2019/11/18/new-york-state-attorney-general-investigating-wework-and-former-ceo/",
    "https://thehill.com/homenews/news/471033-south-dakota-governor-doubles-down-on-meth-were-on-it-anti-drug-campaign",
]
SAME_EVENT = [  # two sites' write-ups of one event each
    ("https://www.billboard.com/articles/news/8544119/doobie-brothers-reunite-50th-anniversary-tour-north-america-2020",
     "https://www.rollingstone.com/music/music-news/doobie-brothers-michael-mcdonald-50th-anniversary-tour-914341/"),
    ("https://www.sciencealert.com/nasa-finds-water-plumes-above-the-surface-of-jupiter-s-icy-moon-europa",
     "https://www.space.com/jupiter-moon-europa-water-vapor-confirmed.html"),
]


def test_unrelated_stories_stay_apart(con, dev_bodies):
    day = dt.date(2019, 11, 18)
    ingest(con, [make_article(f"u{i}", dev_bodies[u], day) for i, u in enumerate(UNRELATED)])
    stories = story_of(con)
    assert len(stories) == len(UNRELATED) and len(set(stories.values())) == len(UNRELATED)
    assert duplicates(con) == {}


def test_same_event_write_ups_form_one_story_within_the_window(con, dev_bodies):
    day = dt.date(2019, 11, 18)
    arts = []
    for i, (a, b) in enumerate(SAME_EVENT):
        arts += [make_article(f"e{i}a", dev_bodies[a], day), make_article(f"e{i}b", dev_bodies[b], day + dt.timedelta(days=2))]
    ingest(con, arts[:2], "run1")
    ingest(con, arts[2:], "run2")
    s = story_of(con)
    assert s["e0a"] == s["e0b"] and s["e1a"] == s["e1b"] and s["e0a"] != s["e1a"]
    assert duplicates(con) == {}


NAMES_ONLY = (  # one event, two write-ups sharing names but no passage of text
    "https://thehill.com/homenews/news/471033-south-dakota-governor-doubles-down-on-meth-were-on-it-anti-drug-campaign",
    "https://www.usatoday.com/story/news/nation/2019/11/19/meth-were-it-south-dakota-campaign-working-kristi-noem-says/4236383002/",
)


NAMES_ONLY_OTHER = UNRELATED[6]


def test_seeds_are_one_story_in_every_arrival_order(tmp_path, seed_articles):
    """Two seeds carry republication dates 18 months after the event: dates weigh, they do not forbid."""
    import itertools

    from flows import storage

    for n, order in enumerate(itertools.islice(itertools.permutations(sorted(seed_articles)), 0, 120, 7)):
        con = storage.connect(str(tmp_path / f"p{n}.duckdb"))
        ingest(con, [seed_articles[k] for k in order])
        assert len(set(story_of(con).values())) == 1, order
        con.close()


def test_every_article_in_exactly_one_story_and_copies_follow_what_they_copy(con, dev_bodies):
    """A copy is in the story of what it copies, whatever its date; stories never merge."""
    a, b = NAMES_ONLY
    day = dt.date(2019, 11, 18)
    ingest(con, [make_article("p", dev_bodies[a], day)], "run1")
    ingest(con, [make_article("q", dev_bodies[NAMES_ONLY_OTHER], day)], "run2")  # another event
    assert len(set(story_of(con).values())) == 2
    ingest(con, [make_article("q2", dev_bodies[NAMES_ONLY_OTHER], day + dt.timedelta(days=300))], "run3")  # a copy of q
    ingest(con, [make_article("p2", dev_bodies[b], day + dt.timedelta(days=1))], "run4")  # p's event, told again
    s = story_of(con)
    assert s["q2"] == s["q"] == "story-q" and s["p"] == s["p2"] == "story-p"
    assert duplicates(con) == {"q2": ("q", "exact")}
    n = con.execute("SELECT count(*), count(DISTINCT article_id) FROM stories").fetchone()
    assert n[0] == n[1] == con.execute("SELECT count(*) FROM articles").fetchone()[0]

"""Every page works offline from dist/ (issue 14: "the workshop works offline from dist/").

Each page is loaded in a browser context whose network is the test server alone: Playwright
routing aborts every request to any other origin, from the page and from its workers alike,
and records it. The page must still do its work (the workshop: a check runs and passes; the
2-D page: it draws its first picture and trains; the MNIST page: its network is ready; the
docs and the blog post: they load, and the post's Python runs) and no off-site request may even
have been attempted.
"""

from urllib.parse import urlsplit

import pytest

from tests.e2e.test_page_support import FIRST_PICTURE, epoch, train_until
from tests.e2e.test_workshop_page import check

pytestmark = pytest.mark.e2e


@pytest.fixture
def offline(browser, site_url):
    """A page whose context reaches the test server only; ``page.off_site`` lists what was attempted
    elsewhere and ``page.worker_urls`` the requests made by the page's workers (the routing saw them)."""
    context = browser.new_context()
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(site_url))
    off_site, seen = [], []

    def route(r):
        url = r.request.url
        if url.startswith(origin + "/"):
            seen.append(url)
            r.continue_()
        elif url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            off_site.append(url)
            r.abort("internetdisconnected")

    context.route("**/*", route)
    context.on("request", lambda req: None if req.url.startswith((origin + "/", "data:", "blob:"))
               else off_site.append(req.url))
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda err: page.errors.append(str(err)))
    page.off_site, page.seen = off_site, seen
    yield page
    context.close()


def assert_offline(page, worker_file=None):
    assert page.off_site == [], f"off-site requests: {sorted(set(page.off_site))}"
    assert page.errors == []
    if worker_file:  # the routing also saw what the Python worker fetched: it would have caught the worker too
        assert any(url.rsplit("/", 1)[-1].startswith(worker_file) for url in page.seen), worker_file


def test_the_workshop_works_offline_and_asks_for_nothing_off_site(offline, site_url):
    page = offline
    page.goto(f"{site_url}/workshop.html#step=activations&prefill=activations")
    page.wait_for_function("window.nnpyWorkshop && window.nnpyWorkshop.ready", timeout=120_000)
    status = check(page)
    assert "checks of activations.py pass" in status, status
    assert_offline(page, worker_file="nnpy-")  # the nnpy wheel, fetched by the worker alone


def test_the_playground_works_offline(offline, site_url):
    page = offline
    page.goto(f"{site_url}/index.html#dataset=xor")
    page.wait_for_function(FIRST_PICTURE, timeout=180_000)
    train_until(page, lambda p: epoch(p) >= 10, timeout=120, what="epoch 10")
    assert_offline(page, worker_file="nnpy-")


def test_the_mnist_page_works_offline(offline, site_url):
    page = offline
    page.goto(f"{site_url}/mnist.html#networkShape=16&epochs=1&digits=1000")
    page.wait_for_function("performance.getEntriesByName('nnpy:mnist-ready').length > 0", timeout=180_000)
    assert page.inner_text("#net-summary").startswith("784 → 16 → 10")
    assert_offline(page, worker_file="nnpy-")


@pytest.mark.parametrize("name,ready", [
    ("docs.html", "document.readyState === 'complete'"),
    ("blog.html", "document.body.dataset.cell === 'done'"),   # PyScript ran the post's Python
])
def test_the_docs_and_the_post_work_offline(offline, site_url, name, ready):
    page = offline
    page.goto(f"{site_url}/{name}")
    page.wait_for_function(ready, timeout=180_000)
    assert_offline(page)

"""The 2-D page's CSV upload says what it decided and never guesses silently (issues 11 and 16):
a header row is named in the message, the "CSV first row" and "CSV separator" choices settle the
file's reading, labels 1 and 2 are refused with the rule (no empty class 0), a byte-order mark
does not hide the label column, and decimal commas are named."""

import pytest

from test_page_support import FIRST_PICTURE, set_hash, wait_idle

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def playground(module_page, site_url):
    module_page.set_default_timeout(120_000)
    module_page.goto(site_url + "/#dataset=xor&seed=3", timeout=180_000)
    module_page.wait_for_function(FIRST_PICTURE, timeout=180_000)
    yield module_page
    module_page.assert_no_errors()


def upload(page, name, text):
    page.evaluate("document.querySelector('#data-message').textContent = ''")
    page.set_input_files("#csv-file", files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}])
    page.wait_for_function("n => document.querySelector('#data-message').textContent.includes(n)", arg=name)
    wait_idle(page)
    return page.inner_text("#data-message")


def points(n, label=lambda i: i % 2, sep=","):
    return "".join(f"{(i % 7) - 3}{sep}{(i % 5) - 2}{sep}{label(i)}\n" for i in range(n))


def test_the_upload_says_it_read_a_header_and_the_first_row_choice_settles_it(playground):
    message = upload(playground, "bom.csv", "\ufefflabel,x1,x2\n" + "".join(
        f"{i % 2},{(i % 7) - 3},{(i % 5) - 2}\n" for i in range(20)))
    assert message == ("Loaded 20 points from bom.csv. First row read as the header: label,x1,x2 "
                       "(to read it as data, choose: CSV first row is data).")
    numbered = "0,1,2\n" + points(20)
    assert upload(playground, "pandas.csv", numbered).startswith(
        "Loaded 20 points from pandas.csv. First row read as the header: 0,1,2 numbers the columns")
    playground.select_option("#csv-header", "false")
    assert upload(playground, "pandas.csv", numbered) == "Loaded 21 points from pandas.csv."
    playground.select_option("#csv-header", "auto")


def test_is_a_header_drops_a_first_row_the_file_alone_does_not_call_one(playground, tmp_path):
    path = tmp_path / "named-by-numbers.csv"                 # a real file on disk, through the file chooser
    path.write_text("1,1,0\n" + points(20))
    for choice, message in (("auto", "Loaded 21 points from named-by-numbers.csv."),
                            ("true", "Loaded 20 points from named-by-numbers.csv.")):
        playground.select_option("#csv-header", choice)
        playground.evaluate("document.querySelector('#data-message').textContent = ''")
        playground.set_input_files("#csv-file", str(path))
        playground.wait_for_function("() => document.querySelector('#data-message').textContent.includes("
                                     "'named-by-numbers.csv')")
        wait_idle(playground)
        assert playground.inner_text("#data-message") == message
    playground.select_option("#csv-header", "auto")


def test_a_pandas_row_index_is_refused_and_the_data_stays(playground, tmp_path):
    set_hash(playground, "#dataset=xor&seed=3")
    source = playground.inner_text("#data-source")
    path = tmp_path / "df.csv"                               # what DataFrame.to_csv() writes: the index first
    path.write_text(",x1,x2,label\n" + "".join(f"{i},{(i % 7) - 3},{(i % 5) - 2},{i % 2}\n" for i in range(20)))
    playground.evaluate("document.querySelector('#data-message').textContent = ''")
    playground.set_input_files("#csv-file", str(path))
    playground.wait_for_function("() => document.querySelector('#data-message').textContent.includes('df.csv')")
    wait_idle(playground)
    message = playground.inner_text("#data-message")
    assert message.startswith("Could not use df.csv: column 1 has no name in the header row (,x1,x2,label): is it "
                              "pandas' row index? DataFrame.to_csv() writes one unless index=False")
    assert message.endswith("Your data is unchanged.")
    assert playground.inner_text("#data-source") == source


def test_labels_that_skip_zero_are_refused_with_the_rule_and_the_data_stays(playground):
    set_hash(playground, "#dataset=xor&seed=3")
    source = playground.inner_text("#data-source")
    outputs = playground.locator(".net-nodes .node.output").count()
    classes = playground.locator("#add-class option").all_inner_texts()
    message = upload(playground, "blobs.csv", points(40, label=lambda i: 1 + i % 2))
    assert "the labels are 1, 2: class labels count from 0 without gaps (2 classes: 0 and 1), so class 0 would " \
           "have no samples" in message and message.endswith("Your data is unchanged.")
    assert playground.inner_text("#data-source") == source
    assert playground.locator(".net-nodes .node.output").count() == outputs   # no class added
    assert playground.locator("#add-class option").all_inner_texts() == classes   # the picker offers no class 2
    assert upload(playground, "blobs-from-0.csv", points(40, label=lambda i: i % 2)) == \
        "Loaded 40 points from blobs-from-0.csv."              # relabelled from 0: taken


def test_the_separator_choice_reads_semicolons_and_decimal_commas_are_named(playground):
    text = points(12, sep=";")
    refused = upload(playground, "semi.csv", text)            # read with commas: one column
    assert "no comma , in the first line, which has a semicolon ;: choose “semicolon ;” in CSV separator" in refused
    assert "semicolon ;" in playground.locator("#csv-delimiter option").all_inner_texts()  # the words it names
    playground.select_option("#csv-delimiter", ";")
    assert upload(playground, "semi.csv", text) == "Loaded 12 points from semi.csv."
    message = upload(playground, "comma.csv", "x1;x2;label\n0,5;1;0\n1;1;1\n2;2;0\n3;3;1\n")
    assert "decimal commas are not numbers here; write a decimal point (0.5)" in message
    playground.select_option("#csv-delimiter", ",")

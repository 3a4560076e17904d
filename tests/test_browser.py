"""The course as a learner meets it: JupyterLab from the course's .venv, driven in Chromium through its UI.

Lesson 00 is run with Run > Run All Cells and must show no error; then the review quiz is run the same
way and two of its questions are answered by clicking their buttons. Screenshots go to
``runs/browser/``. Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them with
apt-get where it can); without them the test is skipped and says how to install them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from helpers.course.config import require_checkout, runs_dir
from helpers.quiz import LETTERS, Quiz

ROOT = require_checkout()
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
JUPYTER = ROOT / ".venv" / "bin" / "jupyter"
LESSON, QUIZ = "00_course_tour.ipynb", "08_review_quiz.ipynb"
ACTIVE = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"  # the notebook on screen
IDLE = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']"

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip("Chromium and ChromeDriver are not installed, so the JupyterLab browser test is skipped. "
                "Install them with `sudo apt-get install chromium chromium-driver` (Debian, Ubuntu), "
                "then `make test` runs it.", allow_module_level=True)
if not JUPYTER.exists():
    pytest.skip(f"{JUPYTER} is missing: `make test` creates the course's .venv with JupyterLab.",
                allow_module_level=True)

from selenium import webdriver  # noqa: E402  (only once the browser is known to exist)
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Callable[[str], str], Path]]:
    """JupyterLab serving copies of lesson 00 and the quiz (the repository's files stay untouched)."""
    folder = tmp_path_factory.mktemp("lab")
    for name in (LESSON, QUIZ):
        shutil.copy(ROOT / "notebooks" / name, folder / name)
    port, token = free_port(), "course-browser-test"
    settings = folder / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')  # no news pop-up
    env = {**os.environ, "COURSE_PROFILE": "smoke", "JUPYTER_CONFIG_DIR": str(folder / ".config"),
           "JUPYTER_RUNTIME_DIR": str(folder / ".runtime"), "JUPYTERLAB_WORKSPACES_DIR": str(folder / ".ws"),
           "JUPYTERLAB_SETTINGS_DIR": str(folder / ".settings")}
    log = (folder / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [str(JUPYTER), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n" + (folder / "jupyterlab.log").read_text())
                time.sleep(0.5)
        # each notebook in a fresh workspace of its own, so that it is the only one open
        yield lambda name: f"{base}/lab/workspaces/{name[:2]}/tree/{name}?reset&token={token}", folder
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic", "--window-size=1400,1800",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: webdriver.Chrome, condition: Callable, what: str, timeout: float = 120) -> Any:
    """Wait until ``condition(driver)`` is truthy; on timeout, save a screenshot and say what did not happen."""
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.5).until(condition)
    except TimeoutException:
        shot = screenshots() / f"failed-{what.replace(' ', '-')}.png"
        driver.save_screenshot(str(shot))
        raise AssertionError(f"After {timeout:.0f} s, still waiting for {what} (screenshot: {shot}).") from None


def screenshots() -> Path:
    folder = runs_dir() / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def click_menu(driver: webdriver.Chrome, menu: str, item: str) -> None:
    """Click a menu of JupyterLab's menu bar, then one of its items, as a learner would."""
    driver.find_element(By.XPATH, f"//div[contains(@class, 'lm-MenuBar-itemLabel') and text()='{menu}']").click()
    wait_for(driver, lambda d: d.find_element(
        By.XPATH, f"//div[contains(@class, 'lm-Menu-itemLabel') and text()='{item}']"), f"the menu item {item}", 10).click()


def accept_kernel_dialog(driver: webdriver.Chrome) -> bool:
    """Answer JupyterLab's "Select Kernel" dialog, when it shows, with its proposal (Python 3), as a learner
    would; True if a dialog was open."""
    buttons = driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog .jp-Dialog-button.jp-mod-accept")
    for button in buttons:
        button.click()
    return bool(buttons)


def open_and_run_all(driver: webdriver.Chrome, url: str, timeout: float = 240) -> list[str]:
    """Open a notebook, wait for its kernel, Run > Run All Cells, wait until every cell ran; the prompts."""
    driver.get(url)
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .jp-CodeCell"), "the notebook to open")
    wait_for(driver, lambda d: not accept_kernel_dialog(d) and d.find_elements(By.CSS_SELECTOR, IDLE),
             "the kernel to start")
    time.sleep(2)  # the kernel dialog, when it comes, comes within a moment of opening
    wait_for(driver, lambda d: not accept_kernel_dialog(d), "the kernel dialog to close")
    click_menu(driver, "Run", "Run All Cells")

    def finished(d: webdriver.Chrome) -> list[str] | bool:
        prompts = [p.get_attribute("textContent") for p in
                   d.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .jp-CodeCell .jp-InputArea-prompt")]
        done = all(p.strip().startswith("[") and p.strip()[1:-2].isdigit() for p in prompts)
        idle = d.find_elements(By.CSS_SELECTOR, IDLE)
        return prompts if done and idle else False

    return wait_for(driver, finished, "every cell to run", timeout)


def shown_errors(driver: webdriver.Chrome) -> list[str]:
    """The text of every error output the notebook shows."""
    return [e.get_attribute("textContent")[:500] for e in
            driver.find_elements(By.CSS_SELECTOR, "[data-mime-type='application/vnd.jupyter.error']")]


def save(driver: webdriver.Chrome, folder: Path, name: str) -> nbformat.NotebookNode:
    """Save the notebook with Ctrl+S and read it back from the server's folder."""
    path = folder / name
    before = path.stat().st_mtime_ns
    driver.find_element(By.CSS_SELECTOR, ACTIVE).send_keys(Keys.ESCAPE, Keys.CONTROL, "s")
    wait_for(driver, lambda d: path.stat().st_mtime_ns != before, "the notebook to be saved", 30)
    return nbformat.read(path, as_version=4)


def scroll_to(driver: webdriver.Chrome, element, where: str = "start") -> None:
    driver.execute_script(f"arguments[0].scrollIntoView({{block: '{where}'}});", element)
    time.sleep(1)


def test_lesson_00_runs_in_jupyterlab_without_errors(lab, browser):
    url, folder = lab
    prompts = open_and_run_all(browser, url(LESSON))
    cells = browser.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .jp-Cell")
    scroll_to(browser, cells[0])
    browser.save_screenshot(str(screenshots() / "00_course_tour-top.png"))
    scroll_to(browser, cells[-1], "end")
    browser.save_screenshot(str(screenshots() / "00_course_tour-end.png"))

    assert shown_errors(browser) == []
    code_cells = [c for c in nbformat.read(ROOT / "notebooks" / LESSON, as_version=4).cells if c.cell_type == "code"]
    assert len(prompts) == len(code_cells)
    page = browser.find_element(By.CSS_SELECTOR, ACTIVE).get_attribute("textContent")
    assert "NOT YET [positive_share]" in page  # the unsolved exercise: its check answers, it does not fail
    saved = save(browser, folder, LESSON)
    outputs = [o for c in saved.cells if c.cell_type == "code" for o in c.outputs]
    assert [o for o in outputs if o.output_type == "error"] == []
    assert all(c.execution_count for c in saved.cells if c.cell_type == "code")


def test_the_quiz_answers_through_its_widgets(lab, browser):
    url, _ = lab
    open_and_run_all(browser, url(QUIZ))
    assert shown_errors(browser) == []
    quiz = Quiz()
    first, second = quiz.questions[:2]
    right = LETTERS[quiz.choices(first).index(first.answer)]
    wrong = next(letter for letter, c in zip(LETTERS, quiz.choices(second)) if not c.correct)

    questions = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .widget-vbox > .widget-vbox"),
                         "the quiz widgets")
    assert len(questions) == len(quiz.questions)
    score = browser.find_element(By.CSS_SELECTOR, f"{ACTIVE} .widget-vbox > .widget-html")
    assert "0 correct out of 0 answered" in score.text

    def answer(block, letter: str) -> str:
        scroll_to(browser, block, "center")
        block.find_element(By.XPATH, f".//button[normalize-space()='{letter}']").click()
        feedback = block.find_elements(By.CSS_SELECTOR, ".widget-html")[-1]
        return wait_for(browser, lambda d: feedback.text, "feedback on the answer", 30)

    assert answer(questions[0], right).startswith(f"Correct ({right}).")
    assert "1 correct out of 1 answered (43 questions)" in score.text
    scroll_to(browser, score)
    browser.save_screenshot(str(screenshots() / "08_review_quiz-right.png"))

    shown = answer(questions[1], wrong)
    assert shown.startswith("Not quite.") and second.answer.text in shown
    assert "1 correct out of 2 answered" in score.text
    assert all(not b.is_enabled() for b in questions[1].find_elements(By.TAG_NAME, "button"))
    browser.save_screenshot(str(screenshots() / "08_review_quiz-wrong.png"))

"""The jobs file: mistakes are named by file, job and field; the CLI reports them without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jobs.config import JobsFileError, cron_trigger, load_jobs
from jobs.notify import Alert, webhook_payload

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path, text):
    path = tmp_path / "jobs.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_jobs_file_loads():
    jobs = load_jobs(ROOT / "jobs" / "jobs.example.yml")
    assert {"xianyu-four-piece", "taobao-rules", "classifieds-demo"} <= set(jobs.jobs)
    assert jobs.jobs["taobao-rules"].queries  # queries_from: rules expands to the rules' search terms
    assert not jobs.jobs["classifieds-demo"].enabled
    assert [h["kind"] for h in jobs.webhooks] == ["slack", "wecom", "dingtalk"]


@pytest.mark.parametrize("body, message", [
    ("jobs:\n  a: {site: taobao, cron: '61 * * * *'}\n", "job 'a': bad cron"),
    ("jobs:\n  a: {site: taobao}\n", "job 'a': 'cron' is required"),
    ("jobs:\n  a: {site: taobao, cron: '* * * * *', every: 5}\n", "unknown field(s) ['every']"),
    ("jobs:\n  a: {site: taobao, cron: '* * * * *', max_pages: many}\n", "job 'a'"),
    ("jobs: [a, b]\n", "'jobs:' mapping"),
    ("notify: {webhooks: [{url: 'http://x', kind: teams}]}\njobs: {}\n", "kind must be one of"),
    ("jobs: {a: {site: taobao, cron: '* * * * *'}}\nnotify: {email: {host: h}}\n", "notify.email needs"),
])
def test_mistakes_name_the_place(tmp_path, body, message):
    with pytest.raises(JobsFileError) as caught:
        load_jobs(write(tmp_path, body))
    assert message in str(caught.value)
    assert str(tmp_path / "jobs.yml") in str(caught.value)


def test_six_field_cron_has_seconds_first():
    trigger = cron_trigger("*/5 30 2 * * *")
    fields = {f.name: str(f) for f in trigger.fields}
    assert fields["second"] == "*/5" and fields["minute"] == "30" and fields["hour"] == "2"


def test_webhook_payloads_fit_each_service_and_defuse_markup():
    alert = Alert(key="k", kind="finding", job="j", run_id=1, title="1 new finding",
                  lines=["- [0.99] <script>x</script> 四件套 *加V* — demo:1 http://h/1"], keys=["k"])
    slack = webhook_payload("slack", alert)
    assert set(slack) == {"text"} and "<script>" not in slack["text"] and "四件套" in slack["text"]
    wecom = webhook_payload("wecom", alert)
    assert wecom["msgtype"] == "markdown" and "加V" in wecom["markdown"]["content"]
    ding = webhook_payload("dingtalk", alert)
    assert ding["msgtype"] == "text" and "四件套" in ding["text"]["content"]
    assert webhook_payload("json", alert)["keys"] == ["k"]


def facetrade(*args):
    return subprocess.run([sys.executable, "-m", "facetrade", *args], capture_output=True, text=True, timeout=60)


def test_cli_errors_are_messages_not_tracebacks(tmp_path):
    path = write(tmp_path, "jobs:\n  a: {site: classifieds_zh, cron: '*/5 * * * *', queries: [人脸]}\n")
    unknown = facetrade("jobs", "run", "nope", "--jobs-file", str(path))
    assert unknown.returncode == 1 and "no job named 'nope'" in unknown.stderr
    missing = facetrade("jobs", "list", "--jobs-file", str(tmp_path / "missing.yml"))
    assert missing.returncode == 1 and "jobs file not found" in missing.stderr
    assert "Traceback" not in unknown.stderr + missing.stderr
    listed = facetrade("jobs", "list", "--jobs-file", str(path))
    assert listed.returncode == 0 and listed.stdout.startswith("a\tclassifieds_zh\t*/5 * * * *\tenabled\tnext ")

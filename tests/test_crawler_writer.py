"""The crawl's writer thread: archive work done in the order it was handed over, none lost."""

from __future__ import annotations

import threading

from crawler.writer import ArchiveWriter


def test_jobs_run_in_the_order_they_were_handed_over() -> None:
    writer = ArchiveWriter().acquire()
    done: list[int] = []
    for n in range(200):
        writer.submit(lambda n=n: done.append(n))
    writer.release()
    assert done == list(range(200))


def test_a_failing_job_is_counted_and_the_jobs_after_it_still_run() -> None:
    failures: list[str] = []
    writer = ArchiveWriter(on_error=lambda: failures.append("failed")).acquire()
    done: list[str] = []

    def broken() -> None:
        raise OSError("disk full")

    writer.submit(broken)
    writer.submit(lambda: done.append("after"))
    writer.release()
    assert (writer.errors, failures, done) == (1, ["failed"], ["after"])


def test_the_thread_stops_only_when_its_last_user_lets_go() -> None:
    writer = ArchiveWriter().acquire().acquire()
    writer.release()
    assert writer.thread.is_alive()
    writer.release()
    assert not writer.thread.is_alive()


def test_wait_returns_once_everything_handed_over_is_done() -> None:
    writer = ArchiveWriter().acquire()
    gate = threading.Event()
    done: list[str] = []
    writer.submit(gate.wait)
    writer.submit(lambda: done.append("second"))
    gate.set()
    writer.wait()
    assert done == ["second"]
    writer.release()


def test_a_full_queue_makes_the_crawl_wait_for_the_writer(monkeypatch) -> None:
    monkeypatch.setattr("crawler.writer.QUEUE_JOBS", 3)
    writer = ArchiveWriter().acquire()
    gate = threading.Event()
    writer.submit(gate.wait)
    handed: list[int] = []

    def hand_over() -> None:
        for n in range(10):
            writer.submit(lambda: None)
            handed.append(n)

    producer = threading.Thread(target=hand_over)
    producer.start()
    producer.join(timeout=0.5)
    assert producer.is_alive() and len(handed) < 10  # held back while the writer is stuck
    gate.set()
    producer.join(timeout=5)
    assert len(handed) == 10
    writer.release()

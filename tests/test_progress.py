"""synthbench.progress: an interrupt belongs to the run it hit (re-raised at that run's next update if a finaliser
swallowed it, of the kind the signal was), and the reporters' phases."""

import signal

import pytest

from synthbench import progress
from synthbench.exceptions import Terminated


def test_a_swallowed_interrupt_is_raised_again_at_the_next_progress_update():
    """Ctrl-C landing in a finaliser is printed and lost by Python; the reporter raises it again."""
    from synthbench import progress

    with progress.interruptible():  # the scope of one run
        try:
            progress.interrupt()
        except KeyboardInterrupt:
            pass  # swallowed, as "Exception ignored in ..." would
        with pytest.raises(KeyboardInterrupt):
            with progress.Reporter().phase("fit"):
                pass
        with pytest.raises(KeyboardInterrupt):
            with progress.RichReporter().phase("fit") as update:
                update({"total": 2, "step": 1})
    with progress.Reporter().phase("fit"):  # the mark ends with its run
        pass


def test_a_swallowed_sigterm_is_raised_again_as_a_termination():
    """The re-raised interrupt is of the kind that was lost: SIGTERM stays a termination, Ctrl-C an interrupt."""
    with progress.interruptible():
        with pytest.raises(Terminated):
            progress.interrupt(signal.SIGTERM)
        with pytest.raises(Terminated):  # swallowed above; the next progress update raises it again
            with progress.Reporter().phase("fit"):
                pass
    with progress.interruptible():
        with pytest.raises(KeyboardInterrupt) as caught:
            progress.interrupt(signal.SIGINT)
        assert not isinstance(caught.value, Terminated)
        with pytest.raises(KeyboardInterrupt) as caught:
            with progress.RichReporter().phase("fit") as update:
                update({"total": 2, "step": 1})
        assert not isinstance(caught.value, Terminated)


def test_sigterm_is_a_termination_not_a_ctrl_c_and_nested_runs_keep_their_own_mark():
    with progress.interruptible() as outer:
        with progress.interruptible() as inner:
            with pytest.raises(Terminated):
                progress.interrupt(signal.SIGTERM, None)
            assert inner.is_set() and not outer.is_set()  # the run in progress is marked, not the one around it
            with pytest.raises(Terminated):  # re-raised as what it was
                progress.check_interrupt()
        progress.check_interrupt()  # the outer run goes on
    with pytest.raises(KeyboardInterrupt):
        progress.interrupt()  # outside any run: still raises, marks nothing
    progress.check_interrupt()


def test_the_rich_reporter_draws_each_phase_to_its_end_and_prints_messages():
    import io

    from rich.console import Console

    out = io.StringIO()
    reporter = progress.RichReporter(Console(file=out, width=100, force_terminal=False))
    with reporter.phase("fit cgan") as update:
        update({"total": 4, "step": 1})
        update({"phase_total": 4, "phase_step": 2})
    with reporter.phase("sample"):  # no total given: shown as done when it ends
        pass
    reporter.message("FINISHED run abc")
    text = out.getvalue()
    assert "fit cgan" in text and "4/4" in text and "sample" in text and "1/1" in text
    assert text.rstrip().endswith("FINISHED run abc")

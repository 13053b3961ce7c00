"""synthbench.defaults: the folders a run searches, in order, and where downloads are cached."""

from pathlib import Path

import pytest

from synthbench import defaults
from synthbench.exceptions import ConfigError


def test_folders_are_searched_option_first_then_variable_then_built_ins(tmp_path, monkeypatch):
    option, env, builtin = (tmp_path / n for n in ("option", "env", "builtin"))
    for d in (option, env, builtin):
        d.mkdir()
    monkeypatch.setenv(defaults.ENV_DATA_DIR, str(env))
    assert defaults.search_path(str(option), defaults.ENV_DATA_DIR, builtin, option) == [option, env, builtin]
    monkeypatch.delenv(defaults.ENV_DATA_DIR)
    assert defaults.search_path(None, defaults.ENV_DATA_DIR, builtin) == [builtin]


def test_a_named_folder_that_is_not_there_is_an_error_naming_its_source(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match=r"--tasks-dir .*missing is not a folder \(it does not exist\) - fix the path, "
                                          r"or leave --tasks-dir out to use the defaults"):
        defaults.search_path(str(tmp_path / "missing"), defaults.ENV_TASKS_DIR)
    (tmp_path / "file").write_text("")
    monkeypatch.setenv(defaults.ENV_DATA_DIR, str(tmp_path / "file"))
    with pytest.raises(ConfigError, match=r"\$SYNTHBENCH_DATA_DIR .*file is not a folder \(it is a file\) - fix the path, "
                                          r"or unset SYNTHBENCH_DATA_DIR"):
        defaults.search_path(None, defaults.ENV_DATA_DIR)


def test_the_cache_follows_the_variable_then_xdg_then_home(tmp_path, monkeypatch):
    monkeypatch.setenv(defaults.ENV_CACHE_DIR, str(tmp_path / "c"))
    assert defaults.cache_dir() == tmp_path / "c"
    monkeypatch.delenv(defaults.ENV_CACHE_DIR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert defaults.cache_dir() == tmp_path / "xdg" / "synthbench"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert defaults.cache_dir() == Path(tmp_path / "home" / ".cache" / "synthbench")


def test_the_built_in_tasks_ship_inside_the_package():
    assert defaults.TASKS_DIR.parent == defaults.PACKAGE_DIR and (defaults.TASKS_DIR / "mnist.toml").is_file()

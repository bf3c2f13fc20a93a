"""Settings: defaults, the TOML file, AGGREGATOR_* overrides, and one-line errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.config import Config, format_duration, load_config, parse_duration
from aggregator.errors import ConfigError


def test_defaults_when_no_file_and_no_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = load_config(env={})
    assert cfg.base_url == ""  # not set: derived from the address served (tests/e2e/test_base_url.py)
    assert cfg.items_per_feed == 50
    assert cfg.allow_private_networks is False
    assert cfg.disclaimer.startswith("[免责声明]")
    assert cfg.db_path == Path("data") / "aggregator.db"


def test_shipped_config_sets_shanghai_and_the_disclaimer() -> None:
    cfg = load_config(Path(__file__).parent.parent / "aggregator.toml", env={})
    assert cfg.timezone == "Asia/Shanghai"
    assert cfg.disclaimer.startswith("[免责声明]")
    for phrase in ("转载", "学习交流", "商业", "版权归原作者所有", "30日内"):
        assert phrase in cfg.disclaimer


def test_file_values_are_read_and_env_overrides_them(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text('site_name = "站点"\nitems_per_feed = 20\nbase_url = "https://news.example.cn"\n', "utf-8")
    cfg = load_config(path, env={"AGGREGATOR_ITEMS_PER_FEED": "7", "AGGREGATOR_ALLOW_PRIVATE_NETWORKS": "true"})
    assert cfg.site_name == "站点"
    assert cfg.items_per_feed == 7
    assert cfg.allow_private_networks is True
    assert cfg.base_url == "https://news.example.cn/"  # a trailing slash is added


def test_data_dir_flag_wins_over_env(tmp_path: Path) -> None:
    cfg = load_config(None, env={"AGGREGATOR_DATA_DIR": "/from/env"}, data_dir=tmp_path)
    assert cfg.data_dir == tmp_path
    assert load_config(None, env={"AGGREGATOR_DATA_DIR": str(tmp_path / "e")}).data_dir == tmp_path / "e"


@pytest.mark.parametrize("key, value, words", [
    ("AGGREGATOR_ITEMS_PER_FEED", "many", "items_per_feed must be a whole number"),
    ("AGGREGATOR_ITEMS_PER_FEED", "0", "items_per_feed must be at least 1"),
    ("AGGREGATOR_TIMEZONE", "Mars/Base", "timezone must be an IANA time zone"),
    ("AGGREGATOR_BASE_URL", "ftp://x", "base_url must be an absolute http(s) URL"),
    ("AGGREGATOR_ALLOW_PRIVATE_NETWORKS", "maybe", "allow_private_networks must be a true/false"),
])
def test_bad_env_value_is_an_error_naming_key_and_origin(key: str, value: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(None, env={key: value})
    message = str(err.value)
    assert words in message
    assert key in message
    assert "\n" not in message


def test_unknown_key_in_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text("site_nam = 'typo'\n", "utf-8")
    with pytest.raises(ConfigError, match="unknown key 'site_nam'"):
        load_config(path, env={})


def test_invalid_toml_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text("site_name = \n", "utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, env={})


def test_durations_round_trip() -> None:
    assert parse_duration("90s", minimum=1) == 90
    assert parse_duration("30m") == 1800
    assert parse_duration("2h") == 7200
    assert parse_duration("1d") == 86400
    assert format_duration(7200) == "2h"
    with pytest.raises(ValueError, match="shorter than the minimum"):
        parse_duration("30s")
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")


def test_with_overrides_validates_again() -> None:
    with pytest.raises(ConfigError, match="port must be at most 65535"):
        Config().with_overrides(port=70000)


@pytest.mark.parametrize("key, value", [
    ("FETCH_TIMEOUT", "inf"), ("FETCH_TIMEOUT", "nan"), ("FETCH_TIMEOUT", "-inf"), ("FETCH_TIMEOUT", "0"),
    ("FETCH_TIMEOUT", "1e9"), ("HOST_DELAY", "nan"), ("SHUTDOWN_GRACE", "inf"), ("PUBLISH_DELAY", "-1"),
    ("SYNC_INTERVAL", "inf"), ("PORT", "99999999999999999999"), ("ITEMS_PER_FEED", "100000000"),
])
def test_decimal_and_whole_settings_must_be_finite_and_in_range(key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=key.lower()):
        load_config(env={f"AGGREGATOR_{key}": value})


def test_finite_values_in_range_are_taken() -> None:
    config = load_config(env={"AGGREGATOR_FETCH_TIMEOUT": "2.5", "AGGREGATOR_HOST_DELAY": "0"})
    assert (config.fetch_timeout, config.host_delay) == (2.5, 0.0)


@pytest.mark.parametrize("text", ["99999999999999999999d", "1000000000d", "31d", "745h"])
def test_durations_are_bounded_at_30_days(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration|longer than the maximum of 30d"):
        parse_duration(text)
    assert parse_duration("30d") == 30 * 86400

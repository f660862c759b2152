"""Settings from the environment: the original's names, typed values, clear errors, no leaks."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from trafficha.config import (
    Settings,
    configuration_markdown,
    load_settings,
    parse_duration,
    settings_markdown,
    settings_reference,
)
from trafficha.errors import ConfigError
from trafficha.secrets import MASK, RedactingFilter, Secret, redact_url

CONFIGURATION_PAGE = Path(__file__).parents[2] / "docs" / "configuration.md"


def test_defaults_need_no_environment() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.collect_interval == timedelta(seconds=10)
    assert settings.tollgate_collect_interval == timedelta(minutes=15)
    assert settings.road_status_collect_interval == timedelta(minutes=5)
    assert settings.stream_key == "traffic-stream"
    assert settings.stream_group == "traffic-processor-group"


def test_original_variable_names_are_read() -> None:
    env = {
        "DATA_SOURCE_MODE": "sim",
        "REDIS_ADDR": "redis-central:6379",
        "SIMULATOR_API_URL": "http://traffic-simulator:8080",
        "REAL_OPENAPI_URL": "https://data.ex.co.kr/openapi/burstInfo/realTimeSms",
        "REAL_OPENAPI_KEY": "9876543210",
        "TOLLGATE_API_URL": "http://openapi-proxy:8080/openapi/trafficapi/trafficIc",
        "TOLLGATE_API_KEY": "1111111111",
        "ROAD_STATUS_API_URL": "http://openapi-proxy:8080/openapi/odtraffic/trafficAmountByRealtime",
        "ROAD_STATUS_API_KEY": "",
        "COLLECT_INTERVAL": "300s",
        "TOLLGATE_COLLECT_INTERVAL": "900s",
        "ROAD_STATUS_COLLECT_INTERVAL": "5m",
        "DB_HOST": "mariadb-central:3306",
        "DB_USER": "trafficuser",
        "DB_PASSWORD": "s3cret-value",
        "DB_NAME": "trafficdb",
        "PORT": "8081",
        "DATA_API_SERVICE_URL": "http://data-api-service:8080",
    }
    s = load_settings(env)
    assert s.data_source_mode == "sim"
    assert s.redis_addr == "redis-central:6379"
    assert s.collect_interval == timedelta(minutes=5)
    assert s.tollgate_collect_interval == timedelta(minutes=15)
    assert s.port == 8081
    assert s.real_openapi_key == Secret("9876543210")
    assert s.tollgate_key == Secret("1111111111")
    assert s.road_status_key == Secret("9876543210")  # empty counts as unset: falls back
    assert s.data_api_urls == ("http://data-api-service:8080",)


def test_gateway_upstreams_are_a_list_in_order() -> None:
    s = load_settings({"DATA_API_SERVICE_URL": "http://127.0.0.1:8181, http://127.0.0.1:8281"})
    assert s.data_api_urls == ("http://127.0.0.1:8181", "http://127.0.0.1:8281")


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("PORT", "eighty", "int"),
        ("PORT", "70000", "65535"),
        ("COLLECT_INTERVAL", "10 parsecs", "duration"),
        ("COLLECT_INTERVAL", "0s", "greater than zero"),
        ("DATA_SOURCE_MODE", "mock", "enum"),
        ("REDIS_ADDR", "localhost", "regex"),
        ("DB_HOST", "db:port", "regex"),
        ("SIMULATOR_API_URL", "simulator:8083", "regex"),
        ("STREAM_MAXLEN", "-5", ">= 1"),
        ("LOG_LEVEL", "LOUD", "enum"),
        ("DATA_API_SERVICE_URL", "http://a:1,ftp://b", "http"),
    ],
)
def test_bad_values_fail_naming_the_variable(name: str, value: str, why: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({name: value})
    message = str(info.value)
    assert message.startswith(f"{name}: ")
    assert why in message
    assert "\n" not in message


def test_secret_values_never_print() -> None:
    s = load_settings(
        {
            "REAL_OPENAPI_KEY": "1234567890",
            "DB_PASSWORD": "hunter2hunter2",
            "REDIS_PASSWORD": "redis-pass-123",
        }
    )
    for text in (repr(s), str(s), repr(s.db_password), f"{s.real_openapi_key}"):
        assert "1234567890" not in text
        assert "hunter2hunter2" not in text
        assert "redis-pass-123" not in text
    assert s.db_password is not None
    assert s.db_password.reveal() == "hunter2hunter2"
    assert {x.reveal() for x in s.secrets()} == {"1234567890", "hunter2hunter2", "redis-pass-123"}


def test_log_records_are_scrubbed(caplog: pytest.LogCaptureFixture) -> None:
    s = load_settings({"REAL_OPENAPI_KEY": "1234567890", "DB_PASSWORD": "hunter2hunter2"})
    logger = logging.getLogger("trafficha.test.redaction")
    logger.addFilter(RedactingFilter(s.secrets()))
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("GET %s", "https://data.ex.co.kr/openapi/x?type=json&key=5555555555&n=1")
            logger.info("login with %s failed", "hunter2hunter2")
            logger.info("key is 1234567890")
    finally:
        logger.filters.clear()
    text = caplog.text
    assert "5555555555" not in text
    assert "hunter2hunter2" not in text
    assert "1234567890" not in text
    assert text.count(MASK) == 3
    assert "type=json" in text


def test_short_secrets_are_masked_only_where_they_stand_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("trafficha.test.short")
    logger.addFilter(RedactingFilter([Secret("p4ss")]))
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("starting processor with password p4ss")
    finally:
        logger.filters.clear()
    assert caplog.records[0].getMessage() == f"starting processor with password {MASK}"


def test_redact_url_keeps_everything_but_the_key() -> None:
    assert redact_url("http://h/p?key=abc&type=json") == f"http://h/p?key={MASK}&type=json"
    assert redact_url("http://h/p?serviceKey=abc") == f"http://h/p?serviceKey={MASK}"
    assert redact_url("http://h/p?monkey=abc") == "http://h/p?monkey=abc"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("10s", 10), ("15m", 900), ("1h30m", 5400), ("500ms", 0.5), ("300", 300), ("2.5s", 2.5)],
)
def test_go_style_durations(text: str, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_the_configuration_page_matches_the_settings() -> None:
    table = settings_markdown()
    assert table.count("\n") == len(settings_reference()) + 2
    assert "`PROBE_PORT`" in table
    page = configuration_markdown()
    assert page.endswith(table)
    assert CONFIGURATION_PAGE.read_text(encoding="utf-8") == page, (
        "docs/configuration.md is stale: regenerate it with `make docs`"
    )

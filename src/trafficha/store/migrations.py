"""The versioned schema of ``trafficdb``, applied by :func:`migrate`.

``MIGRATIONS`` is an ordered tuple of ``(version, name, statements)``; ``schema_migrations``
records each version applied. :func:`migrate` applies the missing versions in order under the
MariaDB named lock ``trafficha.migrate``, so two processes starting at once apply each version
exactly once; every statement is also idempotent (``CREATE TABLE IF NOT EXISTS``, ``ADD COLUMN IF
NOT EXISTS``, an ``UPDATE`` of the rows not yet updated), so a version interrupted halfway is
simply applied again.

Every data table has an ``id`` primary key, exactly one UNIQUE natural key (MariaDB's upsert
updates only the first unique key that matches) and a ``seen_count``. Every DATETIME holds UTC.
Code and key columns compare in binary (``utf8mb4_bin``): identifiers are exact.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

import aiomysql
import pymysql

from trafficha.store.db import StoreUnavailableError, classify_error, connection, pool_of

__all__ = ["LOCK_NAME", "MIGRATIONS", "Migration", "applied_versions", "migrate"]

LOCK_NAME: Final = "trafficha.migrate"
LOCK_TIMEOUT_SECONDS: Final = 60

_TABLE_OPTIONS: Final = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
_CODE: Final = "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"


class Migration(NamedTuple):
    """One schema version: its number, a short name and the statements that make it."""

    version: int
    name: str
    statements: tuple[str, ...]


SCHEMA_MIGRATIONS: Final = f"""
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INT NOT NULL PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    applied_at DATETIME(3) NOT NULL
) {_TABLE_OPTIONS}
"""

# One proxy cache table per dataset (the dataset names it); migrations 3, 5, 7 and 9 make them.
_CACHE_TABLE: Final = f"""
CREATE TABLE IF NOT EXISTS {{table}} (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    cache_key VARCHAR(255) {_CODE} NOT NULL,
    body LONGBLOB NOT NULL,
    fetched_at DATETIME(3) NOT NULL,
    expires_at DATETIME(3) NOT NULL,
    UNIQUE KEY uq_{{table}}_key (cache_key),
    KEY idx_{{table}}_expires (expires_at)
) {_TABLE_OPTIONS}
"""

MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(
        1,
        "traffic data tables",
        (
            f"""
            CREATE TABLE IF NOT EXISTS traffic_accidents (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                incident_key VARCHAR(64) {_CODE} NOT NULL,
                occurred_at DATETIME NOT NULL,
                route_no VARCHAR(8) {_CODE} NULL,
                route_name VARCHAR(100) NOT NULL,
                direction VARCHAR(50) NOT NULL,
                type_code VARCHAR(10) {_CODE} NOT NULL,
                type_name VARCHAR(50) NOT NULL,
                sms_text TEXT NOT NULL,
                process_code VARCHAR(10) {_CODE} NULL,
                process_name VARCHAR(50) NULL,
                point_name VARCHAR(200) NULL,
                lat DECIMAL(9,6) NULL,
                lon DECIMAL(9,6) NULL,
                late_length_km DOUBLE NULL,
                lanes_blocked CHAR(6) {_CODE} NOT NULL,
                shoulder_blocked BOOL NOT NULL,
                source VARCHAR(8) {_CODE} NOT NULL,
                first_seen_at DATETIME(3) NOT NULL,
                last_seen_at DATETIME(3) NOT NULL,
                seen_count INT NOT NULL DEFAULT 1,
                UNIQUE KEY uq_traffic_accidents_incident (incident_key),
                KEY idx_traffic_accidents_occurred (occurred_at),
                KEY idx_traffic_accidents_last_seen (last_seen_at)
            ) {_TABLE_OPTIONS}
            """,
            f"""
            CREATE TABLE IF NOT EXISTS tollgate_traffic_history (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                unit_code VARCHAR(16) {_CODE} NOT NULL,
                unit_name VARCHAR(100) NOT NULL,
                ex_div_code VARCHAR(8) {_CODE} NOT NULL,
                ex_div_name VARCHAR(50) NOT NULL,
                inout_type VARCHAR(8) {_CODE} NOT NULL,
                inout_name VARCHAR(50) NOT NULL,
                tm_type VARCHAR(8) {_CODE} NOT NULL,
                tm_name VARCHAR(50) NOT NULL,
                tcs_type VARCHAR(8) {_CODE} NOT NULL,
                tcs_name VARCHAR(50) NOT NULL,
                car_type VARCHAR(8) {_CODE} NOT NULL,
                traffic_amount INT NULL,
                slot_at DATETIME NOT NULL,
                seen_count INT NOT NULL DEFAULT 1,
                UNIQUE KEY uq_tollgate_traffic_slot
                    (unit_code, slot_at, inout_type, tcs_type, car_type, ex_div_code, tm_type),
                KEY idx_tollgate_traffic_unit_slot (unit_code, slot_at),
                KEY idx_tollgate_traffic_slot (slot_at)
            ) {_TABLE_OPTIONS}
            """,
            f"""
            CREATE TABLE IF NOT EXISTS road_traffic_status (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                vds_id VARCHAR(32) {_CODE} NOT NULL,
                conzone_id VARCHAR(32) {_CODE} NOT NULL,
                conzone_name VARCHAR(100) NOT NULL,
                route_no VARCHAR(8) {_CODE} NOT NULL,
                route_name VARCHAR(100) NOT NULL,
                direction CHAR(1) {_CODE} NOT NULL,
                speed INT NULL,
                traffic_amount INT NULL,
                share_ratio INT NULL,
                time_avg INT NULL,
                grade TINYINT NOT NULL,
                std_at DATETIME NOT NULL,
                seen_count INT NOT NULL DEFAULT 1,
                UNIQUE KEY uq_road_traffic_status_reading (vds_id, std_at),
                KEY idx_road_traffic_status_std (std_at),
                KEY idx_road_traffic_status_route_std (route_no, std_at)
            ) {_TABLE_OPTIONS}
            """,
            f"""
            CREATE TABLE IF NOT EXISTS road_route_summary (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                route_no VARCHAR(8) {_CODE} NOT NULL,
                route_name VARCHAR(100) NOT NULL,
                collected_at DATETIME(3) NOT NULL,
                total_sections INT NOT NULL,
                smooth_sections INT NOT NULL,
                slow_sections INT NOT NULL,
                congested_sections INT NOT NULL,
                avg_speed DECIMAL(6,1) NULL,
                avg_traffic_amount DECIMAL(10,1) NULL,
                seen_count INT NOT NULL DEFAULT 1,
                UNIQUE KEY uq_road_route_summary_snapshot (route_no, collected_at),
                KEY idx_road_route_summary_collected (collected_at)
            ) {_TABLE_OPTIONS}
            """,
        ),
    ),
    Migration(
        2,
        "batch ledger",
        (
            f"""
            CREATE TABLE IF NOT EXISTS batch_ledger (
                batch_id VARCHAR(64) {_CODE} NOT NULL PRIMARY KEY,
                kind VARCHAR(16) {_CODE} NOT NULL,
                source VARCHAR(8) {_CODE} NOT NULL,
                producer VARCHAR(128) NOT NULL,
                epoch BIGINT NOT NULL,
                records INT NOT NULL,
                inserted INT NOT NULL,
                duplicates INT NOT NULL,
                fetched_at DATETIME(3) NOT NULL,
                applied_at DATETIME(3) NOT NULL,
                KEY idx_batch_ledger_applied (applied_at)
            ) {_TABLE_OPTIONS}
            """,
        ),
    ),
    Migration(
        3,
        "proxy cache tables",
        tuple(
            _CACHE_TABLE.format(table=table)
            for table in ("cache_accidents", "cache_tollgate", "cache_road_status")
        ),
    ),
    Migration(
        4,
        "tollgate locations",
        (
            f"""
            CREATE TABLE IF NOT EXISTS tollgates (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                unit_code VARCHAR(16) {_CODE} NOT NULL,
                unit_name VARCHAR(100) NOT NULL,
                route_no VARCHAR(8) {_CODE} NULL,
                route_name VARCHAR(100) NULL,
                lat DECIMAL(9,6) NULL,
                lon DECIMAL(9,6) NULL,
                seen_count INT NOT NULL DEFAULT 1,
                UNIQUE KEY uq_tollgates_unit (unit_code)
            ) {_TABLE_OPTIONS}
            """,
        ),
    ),
    Migration(
        5,
        "VDS locations",
        (
            f"""
            CREATE TABLE IF NOT EXISTS vds_locations (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                vds_id VARCHAR(32) {_CODE} NOT NULL,
                conzone_id VARCHAR(32) {_CODE} NULL,
                route_no VARCHAR(8) {_CODE} NULL,
                route_name VARCHAR(100) NULL,
                direction CHAR(1) NOT NULL,
                shift_km DECIMAL(8,3) NULL,
                start_km DECIMAL(8,3) NULL,
                end_km DECIMAL(8,3) NULL,
                seen_count INT NOT NULL DEFAULT 1,
                UNIQUE KEY uq_vds_locations_vds (vds_id),
                KEY idx_vds_locations_route (route_no, direction, start_km)
            ) {_TABLE_OPTIONS}
            """,
            _CACHE_TABLE.format(table="cache_vds_list"),
        ),
    ),
    Migration(
        6,
        "incident category and clearing",
        (
            # Notices (이벤트/홍보) apart from incidents, and when an incident cleared.
            f"""
            ALTER TABLE traffic_accidents
                ADD COLUMN IF NOT EXISTS category VARCHAR(16) {_CODE} NOT NULL
                    DEFAULT 'incident' AFTER type_name,
                ADD COLUMN IF NOT EXISTS cleared_at DATETIME(3) NULL AFTER last_seen_at,
                ADD KEY IF NOT EXISTS idx_traffic_accidents_active (cleared_at, last_seen_at),
                ADD KEY IF NOT EXISTS idx_traffic_accidents_category
                    (category, occurred_at)
            """,
            # The rows stored before, by models.domain.category_of's rules as of this version
            # (later rows carry the category their writer computed).
            """
            UPDATE traffic_accidents SET category = 'notice'
            WHERE category <> 'notice' AND (
                type_code = '15' OR type_name LIKE '%홍보%' OR type_name LIKE '%이벤트%'
                OR type_name LIKE '%공지%'
                OR (CHAR_LENGTH(TRIM(sms_text)) > 4 AND TRIM(sms_text) LIKE '**%**'))
            """,
            # Not in the newest poll, or at a closing progress (models.domain.is_closing):
            # cleared when last seen.
            """
            UPDATE traffic_accidents t
            JOIN (SELECT MAX(last_seen_at) AS newest FROM traffic_accidents) n
            SET t.cleared_at = t.last_seen_at
            WHERE t.cleared_at IS NULL AND (
                t.last_seen_at < n.newest OR t.process_name LIKE '%완료%'
                OR t.process_name LIKE '%해제%' OR t.process_name LIKE '%종료%')
            """,
        ),
    ),
    Migration(
        7,
        "route list",
        (
            f"""
            CREATE TABLE IF NOT EXISTS routes (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                route_no VARCHAR(8) {_CODE} NOT NULL,
                route_name VARCHAR(100) NOT NULL,
                start_km DECIMAL(10,3) NULL,
                end_km DECIMAL(10,3) NULL,
                length_km DECIMAL(10,3) NULL,
                in_use BOOL NULL,
                seen_count INT NOT NULL DEFAULT 1,
                UNIQUE KEY uq_routes_route (route_no)
            ) {_TABLE_OPTIONS}
            """,
            _CACHE_TABLE.format(table="cache_route_list"),
        ),
    ),
    Migration(
        8,
        "incident changes",
        (
            # When a sighting last changed what a view shows: a commit then says how many rows
            # it changed, and a dashboard refetches nothing when none did.
            """
            ALTER TABLE traffic_accidents
                ADD COLUMN IF NOT EXISTS changed_at DATETIME(3) NULL AFTER cleared_at,
                ADD KEY IF NOT EXISTS idx_traffic_accidents_changed (changed_at)
            """,
            """
            UPDATE traffic_accidents SET changed_at = COALESCE(cleared_at, last_seen_at)
            WHERE changed_at IS NULL
            """,
        ),
    ),
    Migration(
        9,
        "travel times",
        (
            # One row per pair, class, basis and slot; the hour's own row (slot_minutes 60)
            # starts when the hour's first 5-minute slot does, so the length is in the key.
            f"""
            CREATE TABLE IF NOT EXISTS travel_times (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                start_unit_code VARCHAR(16) {_CODE} NOT NULL,
                start_unit_name VARCHAR(100) NOT NULL,
                end_unit_code VARCHAR(16) {_CODE} NOT NULL,
                end_unit_name VARCHAR(100) NOT NULL,
                basis VARCHAR(8) {_CODE} NOT NULL,
                basis_name VARCHAR(50) NOT NULL,
                car_type VARCHAR(8) {_CODE} NOT NULL,
                car_type_name VARCHAR(50) NOT NULL,
                car_div_code VARCHAR(8) {_CODE} NOT NULL,
                car_div_name VARCHAR(50) NOT NULL,
                slot_at DATETIME NOT NULL,
                slot_minutes SMALLINT NOT NULL,
                time_avg DOUBLE NOT NULL,
                time_min DOUBLE NULL,
                time_max DOUBLE NULL,
                vehicles INT NULL,
                seen_count INT NOT NULL DEFAULT 1,
                UNIQUE KEY uq_travel_times_slot
                    (start_unit_code, end_unit_code, car_type, basis, slot_minutes, slot_at),
                KEY idx_travel_times_slot (slot_at)
            ) {_TABLE_OPTIONS}
            """,
            _CACHE_TABLE.format(table="cache_travel_time"),
        ),
    ),
    Migration(
        10,
        "road history index",
        (
            # A route's day of speeds (/api/road/history) read from this index alone: one range
            # per direction, no row looked up, on the largest table.
            """
            ALTER TABLE road_traffic_status
                ADD KEY IF NOT EXISTS idx_road_traffic_status_route_history
                    (route_no, direction, std_at, speed, grade)
            """,
        ),
    ),
)


def _check(migrations: tuple[Migration, ...]) -> None:
    versions = [m.version for m in migrations]
    if versions != sorted(set(versions)) or any(v < 1 for v in versions):
        raise ValueError(f"migration versions must be unique, positive and ascending: {versions}")


_check(MIGRATIONS)


async def migrate(
    conn_or_pool: Any,
    *,
    migrations: tuple[Migration, ...] = MIGRATIONS,
    lock_timeout: int = LOCK_TIMEOUT_SECONDS,
) -> list[int]:
    """Apply the migrations not yet recorded, in order; returns the versions applied.

    ``conn_or_pool`` is an aiomysql connection, an aiomysql pool or a
    :class:`~trafficha.store.dedup.DedupStore`.
    Safe to run from several processes at once: check-and-apply runs under a named lock.

    Raises:
        StoreUnavailableError: the server cannot be reached, or the lock stayed taken for
            ``lock_timeout`` seconds.
        StoreError: a statement failed.
    """
    _check(migrations)
    conn_or_pool = pool_of(conn_or_pool)
    if isinstance(conn_or_pool, aiomysql.Pool):
        async with connection(conn_or_pool, "migrating the schema") as conn:
            return await _migrate(conn, migrations, lock_timeout)
    try:
        return await _migrate(conn_or_pool, migrations, lock_timeout)
    except (pymysql.err.MySQLError, OSError) as exc:
        raise classify_error(exc, "migrating the schema") from exc


async def _migrate(
    conn: aiomysql.Connection, migrations: tuple[Migration, ...], lock_timeout: int
) -> list[int]:
    async with conn.cursor() as cur:
        await cur.execute("SELECT GET_LOCK(%s, %s)", (LOCK_NAME, lock_timeout))
        row = await cur.fetchone()
        if not row or row[0] != 1:
            await conn.rollback()
            raise StoreUnavailableError(
                f"migrating the schema: lock {LOCK_NAME!r} still taken after {lock_timeout} s"
            )
        try:
            # Whatever session we were given: "already exists" notes are expected here.
            await cur.execute("SET @trafficha_sql_notes = @@session.sql_notes, sql_notes = 0")
            # DDL commits implicitly, so each read below sees what other sessions committed.
            await cur.execute(SCHEMA_MIGRATIONS)
            done = await _versions(cur)
            await conn.commit()
            applied: list[int] = []
            for migration in migrations:
                if migration.version in done:
                    continue
                for statement in migration.statements:
                    await cur.execute(statement)
                await cur.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) "
                    "VALUES (%s, %s, UTC_TIMESTAMP(3))",
                    (migration.version, migration.name),
                )
                await conn.commit()
                applied.append(migration.version)
            return applied
        finally:
            await _release(conn, cur)


async def _release(conn: aiomysql.Connection, cur: aiomysql.Cursor) -> None:
    """Release the lock; if the session is broken the server has released it already."""
    try:
        if conn.get_transaction_status():
            await conn.rollback()
        await cur.execute("SET sql_notes = COALESCE(@trafficha_sql_notes, @@session.sql_notes)")
        await cur.execute("SELECT RELEASE_LOCK(%s)", (LOCK_NAME,))
        await cur.fetchall()
        await conn.commit()
    except (pymysql.err.MySQLError, OSError):
        conn.close()


async def _versions(cur: aiomysql.Cursor) -> set[int]:
    await cur.execute("SELECT version FROM schema_migrations")
    return {int(row[0]) for row in await cur.fetchall()}


async def applied_versions(conn_or_pool: Any) -> list[int]:
    """The versions recorded in ``schema_migrations`` (empty before the first migration)."""
    conn_or_pool = pool_of(conn_or_pool)
    if isinstance(conn_or_pool, aiomysql.Pool):
        async with connection(conn_or_pool, "reading schema versions") as conn:
            return await _applied(conn)
    try:
        return await _applied(conn_or_pool)
    except (pymysql.err.MySQLError, OSError) as exc:
        raise classify_error(exc, "reading schema versions") from exc


async def _applied(conn: aiomysql.Connection) -> list[int]:
    async with conn.cursor() as cur:
        await cur.execute(
            "SELECT COUNT(*) FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'"
        )
        row = await cur.fetchone()
        versions = sorted(await _versions(cur)) if row and row[0] else []
    await conn.rollback()
    return versions

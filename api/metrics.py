"""GET /metrics: Prometheus text format (CONTRACT §5 v2), and the request-latency middleware.

Two kinds of figures, each counted where it is exact with any number of processes:

- the business figures (cases by state and dispute type, transitions by trigger, clocks overdue and due
  soon, the documents and notifications outboxes) are counted by the database at scrape time
  (workflows/read/metrics.py): every process's writes, whichever process answers the scrape;
- request latency (this module's middleware, in each API process) and render time (the render worker,
  workflows/outbox/documents.py) are measured in the processes that do the work. `jiefen serve` gives all
  its processes one PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode, set up by
  api/cli/server.py), and the scrape sums the files of every API worker and the render worker. A
  process not started by that `jiefen serve` (a Prefect worker, `jiefen documents work` on another
  machine) keeps its own figures: only the database figures cover it.

Labels are route templates (`/api/v1/cases/{case_id}`, never the path a client sent), status classes
(2xx…5xx), methods, and the few values of states, triggers and kinds: the number of series is bounded,
and no case id, name, phone or identity number is ever a label.

Who may read it: outside production anyone (a developer's machine, the tests); in production a request
bearing JIEFEN_METRICS_TOKEN as a bearer token, or coming from an address in JIEFEN_METRICS_ALLOW (the
client address after the trusted proxies' X-Forwarded-For, JIEFEN_FORWARDED_ALLOW_IPS). A wrong or
missing token is 401 when a token is configured; otherwise, and when nothing is configured, 404 — as if
there were no such page.
"""

import hmac
import logging
import os
import time
from ipaddress import ip_address

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest, values
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import logs
from models.settings import Settings
from workflows.read.metrics import figures

log = logging.getLogger("jiefen.metrics")

PATH = "/metrics"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"  # a 404: no route for the path
BEFORE_ROUTING = "<before routing>"  # answered before routing: 401 without a token, 413, 503

REQUEST_SECONDS = Histogram(
    "jiefen_http_request_duration_seconds",
    "Seconds from a request's arrival to the end of its response, by method, route template and status class",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def _route(scope: Scope, status: int) -> str:
    """The template of the route that answered (the router writes it into the scope), never the raw path.
    Without one: a 404 found no route; any other status was answered before routing (401 for a request
    to the API without a valid token, 413, 503)."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str) and path:
        return path
    return UNMATCHED if status == 404 else BEFORE_ROUTING


class RequestMetrics:
    """Pure ASGI middleware: each HTTP request's duration into REQUEST_SECONDS, labelled by route template
    and status class. Outermost, so it also times the answers given before routing (413, 503). It also gives
    the request its id (the client's X-Request-ID if it is a plain token, else a new one): in the logs
    written while the request is served (api.logs) and in the response's X-Request-ID."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers if the app raises before it starts a response
        request_id = logs.request_id_from(scope)
        token = logs.REQUEST_ID.set(request_id)

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)["x-request-id"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            logs.REQUEST_ID.reset(token)
            method = scope.get("method", "GET")
            REQUEST_SECONDS.labels(
                method=method if method in METHODS else "other",
                route=_route(scope, status),
                status=f"{status // 100}xx",
            ).observe(time.perf_counter() - started)


class DatabaseCollector(Collector):
    """The business figures (workflows/read/metrics.py), read from the database on each scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> list[Metric]:
        up = GaugeMetricFamily("jiefen_database_up", "1 if the database answered this scrape's counts, else 0")
        try:
            with self.engine.connect() as conn:
                f = figures(conn)
        except SQLAlchemyError:
            log.warning("metrics: the database did not answer", exc_info=True)
            up.add_metric([], 0)
            return [up]  # the processes' figures are still served: a monitor sees the outage, not a 500
        up.add_metric([], 1)
        cases = GaugeMetricFamily("jiefen_cases", "Cases by state and dispute type", labels=["state", "dispute_type"])
        for (state, dispute_type), n in sorted(f.cases.items()):
            cases.add_metric([state, dispute_type], n)
        transitions = CounterMetricFamily(
            "jiefen_transitions", "Events written to the cases' audit logs, by trigger", labels=["trigger"]
        )
        for trigger, n in sorted(f.transitions.items()):
            transitions.add_metric([trigger], n)
        overdue = GaugeMetricFamily(
            "jiefen_deadlines_overdue",
            "Clocks overdue as the supervision board counts them (pending past due, or fired and the case still "
            "in the clock's stage), by kind",
            labels=["kind"],
        )
        soon = GaugeMetricFamily(
            "jiefen_deadlines_due_soon", "Pending clocks due within 3 days, by kind", labels=["kind"]
        )
        for kind in sorted(f.deadlines_overdue):
            overdue.add_metric([kind], f.deadlines_overdue[kind])
            soon.add_metric([kind], f.deadlines_due_soon[kind])
        documents = GaugeMetricFamily(
            "jiefen_outbox_documents",
            "Documents not yet rendered (pending) or given up after the last attempt (failed), by kind",
            labels=["kind", "status"],
        )
        for (kind, status), n in sorted(f.documents.items()):
            documents.add_metric([kind, status], n)
        doc_retrying = GaugeMetricFamily(
            "jiefen_outbox_documents_retrying", "Pending documents whose render failed at least once", labels=["kind"]
        )
        for kind, n in sorted(f.documents_retrying.items()):
            doc_retrying.add_metric([kind], n)
        oldest = GaugeMetricFamily(
            "jiefen_outbox_documents_oldest_pending_seconds",
            "Age of the oldest pending document (0 when none)",
            value=f.oldest_pending_document_seconds,
        )
        notifications = GaugeMetricFamily(
            "jiefen_outbox_notifications",
            "Notifications (court_webhook: hand-off pushes to the courts) not yet delivered (pending) or given up "
            "(failed), by kind",
            labels=["kind", "status"],
        )
        for (kind, status), n in sorted(f.notifications.items()):
            notifications.add_metric([kind, status], n)
        note_retrying = GaugeMetricFamily(
            "jiefen_outbox_notifications_retrying",
            "Pending notifications whose delivery failed at least once (a court webhook refusing or down)",
            labels=["kind"],
        )
        for kind, n in sorted(f.notifications_retrying.items()):
            note_retrying.add_metric([kind], n)
        return [up, cases, transitions, overdue, soon, documents, doc_retrying, oldest, notifications, note_retrying]


def multiprocess_dir() -> str | None:
    """The directory of multiprocess mode, if this process's figures go there: prometheus_client chose
    that when it was first imported, from the environment of that moment."""
    if values.ValueClass is values.MutexValue:
        return None
    return os.environ.get(MULTIPROC_ENV) or None


def exposition(engine: Engine) -> bytes:
    """The whole scrape: the database's figures, then the processes' (all of `jiefen serve`'s in multiprocess
    mode; this process's alone otherwise)."""
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector(engine))
    out = generate_latest(database)
    directory = multiprocess_dir()
    if directory:
        processes = CollectorRegistry()
        MultiProcessCollector(processes, path=directory)
        return out + generate_latest(processes)
    return out + generate_latest(REGISTRY)


def allowed(settings: Settings, request: Request) -> Response | None:
    """None if the request may read the metrics; else the refusal (401 for a wrong token, 404 otherwise)."""
    if settings.env != "production":
        return None
    token = settings.metrics_token.get_secret_value() if settings.metrics_token is not None else None
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode()):
        return None
    networks = settings.metrics_networks
    if networks and request.client is not None:
        try:
            address = ip_address(request.client.host)
        except ValueError:
            address = None
        if address is not None and any(address in net for net in networks if net.version == address.version):
            return None
    if token:
        return JSONResponse({"detail": "未授权：需要监控令牌"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return JSONResponse({"detail": "Not Found"}, status_code=404)


def install(app: FastAPI) -> None:
    settings: Settings = app.state.settings

    # Not in the OpenAPI document: an operator's endpoint, in Prometheus's format, not part of the API.
    @app.get(PATH, include_in_schema=False)
    def metrics(request: Request) -> Response:
        refusal = allowed(settings, request)
        if refusal is not None:
            return refusal
        return Response(exposition(app.state.engine), media_type=CONTENT_TYPE_LATEST)

"""A loopback fake of the Databricks REST endpoints dashboards deploy uses, on pytest-httpserver.

It keeps state like the workspace does (folders, dashboards by path, schedules, subscriptions,
permissions, alerts), answers as the API documents (404 when a dashboard's parent folder is
missing, ALREADY_EXISTS on a second create at the same path, PUT permissions replace, PATCH
alerts need an update_mask), records every request, and can fail chosen requests once.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field

from werkzeug import Request, Response

LAKEVIEW = "/api/2.0/lakeview/dashboards"


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: dict | None


@dataclass
class Fault:
    method: str
    path: re.Pattern
    status: int
    error_code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)


def _json(status: int, payload: dict, headers: dict | None = None) -> Response:
    return Response(json.dumps(payload), status, headers, content_type="application/json")


def _error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    return _json(status, {"error_code": code, "message": message}, headers)


def _folder(path: str) -> str:
    return "/" + path.strip("/").removeprefix("Workspace").strip("/")


@dataclass
class FakeWorkspace:
    folders: set[str] = field(default_factory=lambda: {"/", "/Shared"})
    dashboards: dict[str, dict] = field(default_factory=dict)  # id -> dashboard
    schedules: dict[str, list[dict]] = field(default_factory=dict)  # dashboard id -> schedules
    subscriptions: dict[str, list[dict]] = field(default_factory=dict)  # schedule id -> subs
    permissions: dict[str, list[dict]] = field(default_factory=dict)  # dashboard id -> acl
    published: dict[str, dict] = field(default_factory=dict)
    alerts: dict[str, dict] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    # --- test helpers ---------------------------------------------------------------------
    def fail_once(self, method: str, path: str, status: int, code: str, message: str, **headers):
        """Answer the next request matching `method` and the regex `path` with an error."""
        self.faults.append(Fault(method, re.compile(path), status, code, message, headers))

    def writes(self) -> list[tuple[str, str]]:
        """(method, path) of every non-GET call."""
        return [(c.method, c.path) for c in self.calls if c.method != "GET"]

    def by_path(self, path: str) -> dict | None:
        return next((d for d in self.dashboards.values() if d["path"] == path), None)

    def _id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):04d}"

    # --- request handling -----------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        body = request.get_json(silent=True) if request.data else None
        call = Call(request.method, request.path, dict(request.args), body)
        if request.path != "/.well-known/databricks-config":
            self.calls.append(call)
        for fault in self.faults:
            if fault.method == request.method and fault.path.fullmatch(request.path):
                self.faults.remove(fault)
                return _error(fault.status, fault.error_code, fault.message, fault.headers)
        return self._route(call)

    def _route(self, call: Call) -> Response:
        method, path = call.method, call.path
        if path == "/.well-known/databricks-config":
            return _error(404, "NOT_FOUND", "no host metadata")
        if path == "/api/2.0/workspace/get-status":
            wanted = _folder(call.query["path"])
            for dashboard_id, dashboard in self.dashboards.items():
                if _folder(dashboard["path"]) == wanted:
                    return _json(200, {"object_type": "DASHBOARD", "path": wanted,
                                       "resource_id": dashboard_id})  # fmt: skip
            return _error(404, "RESOURCE_DOES_NOT_EXIST", f"Path ({wanted}) doesn't exist.")
        if path == "/api/2.0/workspace/mkdirs":
            parts = _folder(call.body["path"]).strip("/").split("/")
            for depth in range(1, len(parts) + 1):
                self.folders.add("/" + "/".join(parts[:depth]))
            return _json(200, {})
        if path == LAKEVIEW and method == "POST":
            return self._create_dashboard(call.body)
        match = re.fullmatch(LAKEVIEW + r"/([^/]+)(/.*)?", path)
        if match:
            return self._dashboard_call(call, match.group(1), match.group(2) or "")
        match = re.fullmatch(r"/api/2.0/permissions/dashboards/([^/]+)", path)
        if match and method == "PUT":
            self.permissions[match.group(1)] = call.body["access_control_list"]
            acl = call.body["access_control_list"]
            return _json(
                200, {"object_id": f"/dashboards/{match.group(1)}", "access_control_list": acl}
            )
        if path == "/api/2.0/alerts":
            if method == "GET":
                return _json(200, {"alerts": list(self.alerts.values())})
            alert = {**call.body, "id": self._id("alert"), "lifecycle_state": "ACTIVE"}
            alert["parent_path"] = _folder(alert.get("parent_path", "/"))
            self.alerts[alert["id"]] = alert
            return _json(200, alert)
        match = re.fullmatch(r"/api/2.0/alerts/([^/]+)", path)
        if match and method == "PATCH":
            if "update_mask" not in call.query:
                return _error(400, "INVALID_PARAMETER_VALUE", "update_mask is required")
            alert = self.alerts[match.group(1)]
            for key in call.query["update_mask"].split(","):
                if key in call.body:
                    alert[key] = call.body[key]
            return _json(200, alert)
        return _error(404, "ENDPOINT_NOT_FOUND", f"fake: no endpoint {method} {path}")

    def _create_dashboard(self, body: dict) -> Response:
        folder = _folder(body["parent_path"])
        if folder not in self.folders:
            return _error(404, "RESOURCE_DOES_NOT_EXIST", f"Path ({folder}) doesn't exist.")
        path = f"{folder}/{body['display_name']}.lvdash.json"
        if self.by_path(path):
            return _error(400, "RESOURCE_ALREADY_EXISTS",
                          f"A node with name '{body['display_name']}' already exists")  # fmt: skip
        dashboard_id = self._id("dash")
        self.dashboards[dashboard_id] = {
            **body, "dashboard_id": dashboard_id, "path": path, "parent_path": folder,
            "lifecycle_state": "ACTIVE", "etag": "1",
        }  # fmt: skip
        return _json(200, self.dashboards[dashboard_id])

    def _dashboard_call(self, call: Call, dashboard_id: str, rest: str) -> Response:
        if dashboard_id not in self.dashboards:
            return _error(404, "RESOURCE_DOES_NOT_EXIST", f"Dashboard {dashboard_id} not found")
        method = call.method
        if rest == "" and method == "PATCH":
            dashboard = self.dashboards[dashboard_id]
            dashboard.update(call.body)
            dashboard["etag"] = str(int(dashboard["etag"]) + 1)
            return _json(200, dashboard)
        if rest == "/published" and method == "POST":
            self.published[dashboard_id] = call.body
            return _json(200, {"display_name": self.dashboards[dashboard_id]["display_name"],
                               **call.body})  # fmt: skip
        schedules = self.schedules.setdefault(dashboard_id, [])
        if rest == "/schedules" and method == "GET":
            return _json(200, {"schedules": schedules})
        if rest == "/schedules" and method == "POST":
            schedule = {**call.body, "schedule_id": self._id("sched"), "etag": "1",
                        "dashboard_id": dashboard_id}  # fmt: skip
            schedules.append(schedule)
            return _json(200, schedule)
        match = re.fullmatch(r"/schedules/([^/]+)(/subscriptions)?", rest)
        if not match:
            return _error(404, "ENDPOINT_NOT_FOUND", f"fake: no endpoint {method} {call.path}")
        schedule = next((s for s in schedules if s["schedule_id"] == match.group(1)), None)
        if schedule is None:
            return _error(404, "RESOURCE_DOES_NOT_EXIST", "schedule not found")
        if match.group(2):
            subscriptions = self.subscriptions.setdefault(schedule["schedule_id"], [])
            if method == "GET":
                return _json(200, {"subscriptions": subscriptions})
            subscription = {**call.body, "subscription_id": self._id("sub")}
            subscriptions.append(subscription)
            return _json(200, subscription)
        if call.body is not None and method == "PUT":
            if call.body.get("etag") != schedule["etag"]:
                return _error(409, "ABORTED", "etag mismatch")
            schedule.update(call.body)
            schedule["etag"] = str(int(schedule["etag"]) + 1)
            return _json(200, schedule)
        if method == "DELETE":
            if call.query.get("etag") != schedule["etag"]:
                return _error(409, "ABORTED", "etag mismatch")
            schedules.remove(schedule)
            return _json(200, {})
        return _error(404, "ENDPOINT_NOT_FOUND", f"fake: no endpoint {method} {call.path}")

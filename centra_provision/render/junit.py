"""JUnit XML for drift, so any CI shows it. Follows the common JUnit schema (testsuites >
testsuite > testcase > failure). Two suites: drift against the manifests (one test case per
resource, a failure per drifted one) and changes outside the manifests (one test case per
resource with such changes: a failure with `--fail-on unmanaged`, else listed in the case's
system-out so it shows without failing the build)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from centra_provision.engine.drift import DriftReport
from centra_provision.render import Renderer
from centra_provision.render.plan_text import value


def _suite(parent: ET.Element, name: str, tests: int, failures: int) -> ET.Element:
    return ET.SubElement(
        parent,
        "testsuite",
        name=name,
        tests=str(tests),
        failures=str(failures),
        errors="0",
        skipped="0",
        timestamp=datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat(),
        hostname="centra",
        time="0",
    )


def junit_xml(report: DriftReport, fail_on: str = "manifests") -> str:
    outside = report.unmanaged
    failing_outside = len(outside) if fail_on == "unmanaged" else 0
    suites = ET.Element(
        "testsuites",
        name="provision drift",
        tests=str(len(report.items) + len(outside)),
        failures=str(len(report.drifted) + failing_outside),
    )
    suite = _suite(
        suites, f"centra drift: {report.environment}", len(report.items), len(report.drifted)
    )
    for item in report.items:
        kind, _, name = item.address.partition("/")
        case = ET.SubElement(
            suite, "testcase", classname=f"{report.environment}.{kind}", name=name, time="0"
        )
        if item.drifted:
            failure = ET.SubElement(
                case, "failure", message=f"{item.address}: {item.reason}", type="drift"
            )
            failure.text = (
                "\n".join(
                    f"{f.path}: {'(sensitive)' if f.sensitive else value(f.before)} -> "
                    f"{'(sensitive)' if f.sensitive else value(f.after)}"
                    for f in item.fields
                )
                or item.reason
            )
    if outside:
        _outside(suites, report, failing_outside > 0)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def _outside(suites: ET.Element, report: DriftReport, failing: bool) -> None:
    suite = _suite(
        suites,
        f"centra changes outside the manifests: {report.environment}",
        len(report.unmanaged),
        len(report.unmanaged) if failing else 0,
    )
    for item in report.unmanaged:
        kind, _, name = item.address.partition("/")
        case = ET.SubElement(
            suite, "testcase", classname=f"{report.environment}.{kind}", name=name, time="0"
        )
        text = "\n".join(
            f"{u.path}: {'(not in the manifests)' if u.since is None else _shown(u.was)} -> "
            f"{_shown(u.now)}"
            for u in item.unmanaged
        )
        message = f"{item.address}: changed outside the manifests in " + ", ".join(
            u.path for u in item.unmanaged
        )
        if failing:
            failure = ET.SubElement(case, "failure", message=message, type="unmanaged")
            failure.text = text
        else:
            ET.SubElement(case, "system-out").text = f"{message}\n{text}"


def _shown(v: object) -> str:
    return "(absent)" if v is None else value(v)


class JunitRenderer(Renderer):
    name = "junit"

    def drift(self, report: DriftReport, fail_on: str = "manifests") -> str:
        return junit_xml(report, fail_on)

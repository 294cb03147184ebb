"""JUnit XML for drift: one test case per resource, a failure per drifted one, so any CI
shows it. Follows the common JUnit schema (testsuites > testsuite > testcase > failure)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from centra_provision.engine.drift import DriftReport
from centra_provision.render.plan_text import value


def junit_xml(report: DriftReport) -> str:
    suites = ET.Element(
        "testsuites",
        name="provision drift",
        tests=str(len(report.items)),
        failures=str(len(report.drifted)),
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"centra drift: {report.environment}",
        tests=str(len(report.items)),
        failures=str(len(report.drifted)),
        errors="0",
        skipped="0",
        timestamp=datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat(),
        hostname="centra",
        time="0",
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
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"

"""Property-based run of the OpenAPI spec (schemathesis, bounded examples)."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from newstrace.server import create_app  # noqa: E402
from newstrace.store import Store  # noqa: E402
from tests.fixtures.load import load_into  # noqa: E402


def _app():
    import tempfile
    db = tempfile.mkdtemp(prefix="newstrace-st-") + "/st.db"
    store = Store.open(db)
    load_into(store)
    store.close()
    return create_app(db, token="tok", max_upload_bytes=100_000, web=False,
                      allowed_hosts=["testserver"])  # schemathesis's ASGI Host


APP = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _jobs_end_with_the_module():
    # uploads start ingest jobs in a background thread: let none outlive these tests
    # and run beside later ones (they share spaCy and the store's files)
    yield
    APP.state.jobs.shutdown(wait=True)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms(case):
    excluded = []
    if case.path == "/api/ingest/files":
        # multipart has no types (a "boolean" part is a file too), and an empty body is
        # "schema-valid" (array without minItems) but holds no file
        from schemathesis.checks import negative_data_rejection, positive_data_acceptance
        excluded += [positive_data_acceptance, negative_data_rejection]
    response = case.call(headers={"Authorization": "Bearer tok"})
    if response.status_code == 413:  # over the body limit: rejected before validation
        assert "too large" in response.json()["detail"]
        return
    case.validate_response(response, excluded_checks=excluded)

from tests.workspace.conftest import subcontractor_agent, subcontractor_org  # noqa: F401

"""community funds (社区基金): funds, donations, projects, approvals and the ledger."""

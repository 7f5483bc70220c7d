"""Dashboards as code and the metrics contract; alert rules live in charts/callcenterai/rules/."""

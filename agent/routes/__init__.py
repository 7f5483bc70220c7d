"""The agent's routes, one module per resource; agent/app.py includes them."""

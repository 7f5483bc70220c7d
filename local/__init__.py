"""The whole system on one machine, under supervisor: `make up`, `make demo`."""

"""Prefect flows: thin orchestration over the plain functions of models/ and schedules/."""

"""Operations: run summaries, status, generated docs, Prefect artifacts."""

"""Operations around the warehouse: health checks (SLAs, DQ score) and alerting."""

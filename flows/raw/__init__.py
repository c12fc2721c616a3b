"""Raw stage: report manifests, discovery of raw files, and object storage for raw and lake."""

"""Text tools shared by the analysis stages: sentence splitting and multilingual embeddings."""

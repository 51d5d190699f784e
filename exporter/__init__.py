"""Repository-version exports (zip files built by jobs). Arrives with the export issue."""

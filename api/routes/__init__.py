"""One module per resource; each exports ROUTES, a list the app registers explicitly."""

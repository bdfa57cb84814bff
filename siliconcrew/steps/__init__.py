"""Steps of a run (LibreLane's Step is the model): each declares what it needs and makes."""

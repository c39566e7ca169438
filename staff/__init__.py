"""Reception staff tools: the answer finder (CLI, page, API) and the questions left unanswered."""

"""Phone system integration: call events, screen pop, connection-rate metrics, Erlang C staffing."""

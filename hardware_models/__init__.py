"""The machine floor: cores, memories, networks-on-chip, threads, cited presets and placement,
lowered to eventsim's machine IR (issue 3). Imports eventsim only, never networks."""

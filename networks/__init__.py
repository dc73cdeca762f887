"""The workload floor: neuron models, projections, builders, NIR import and training loops,
lowered to eventsim's workload IR (issues 4 and 5). Imports eventsim only, never hardware_models."""

"""Real-Synapse test harness for the Matrix adapter (see synapse.py for config notes)."""

from .synapse import SynapseHarnessError, SynapseServer, synapse_available

__all__ = ["SynapseServer", "SynapseHarnessError", "synapse_available"]

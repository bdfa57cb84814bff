"""Example SiliconCrew plugin: VCD summary tool."""

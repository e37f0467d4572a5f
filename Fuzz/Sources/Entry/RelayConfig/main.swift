import FuzzTargets

FuzzDriver.run { FuzzTargets.relayConfig($0) }

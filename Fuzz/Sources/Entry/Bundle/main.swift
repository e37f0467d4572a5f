import FuzzTargets

FuzzDriver.run { FuzzTargets.bundle($0) }

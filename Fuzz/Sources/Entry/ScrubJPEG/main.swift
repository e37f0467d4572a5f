import FuzzTargets
import SealScrub

FuzzDriver.run { FuzzTargets.scrub(.jpeg, $0) }

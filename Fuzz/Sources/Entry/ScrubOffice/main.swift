import FuzzTargets
import SealScrub

FuzzDriver.run { FuzzTargets.scrub(.zip, $0) }

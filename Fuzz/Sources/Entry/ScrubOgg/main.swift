import FuzzTargets
import SealScrub

FuzzDriver.run { FuzzTargets.scrub(.ogg, $0) }

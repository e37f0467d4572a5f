import FuzzTargets
import SealScrub

FuzzDriver.run { FuzzTargets.scrub(.flac, $0) }

import FuzzTargets
import SealScrub

FuzzDriver.run { FuzzTargets.scrub(.mp4, $0) }

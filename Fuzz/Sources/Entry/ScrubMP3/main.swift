import FuzzTargets
import SealScrub

FuzzDriver.run { FuzzTargets.scrub(.mp3, $0) }

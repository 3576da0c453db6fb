<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>AvailableScreen</name>
    <message>
        <source>Software update available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Devices</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n device(s) will be updated</source>
        <translation>
            <numerusform>%n device will be updated</numerusform>
            <numerusform>%n devices will be updated</numerusform>
        </translation>
    </message>
    <message>
        <source>Download size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Installation time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Vehicle unusable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Needs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You can keep driving while the update downloads.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Later</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This update cannot be postponed any more.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConditionsScreen</name>
    <message>
        <source>Action needed to install</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The installation starts by itself when everything below is done.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel update</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DetailsScreen</name>
    <message>
        <source>Update details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What changes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 → %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Total download</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Installation time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not stated by the update</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Vehicle unusable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Needs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Release notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This update comes without release notes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Install now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skip this update</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Format</name>
    <message>
        <source>%1 GB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 MB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 kB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>less than a minute</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n min</source>
        <translation>
            <numerusform>%n min</numerusform>
            <numerusform>%n min</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ddd d MMM, HH:mm</source>
        <comment>date and time format (QDateTime)</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shift to P</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop the vehicle (speed %1 km/h)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Charge the battery (%1 %, needs %2 %)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Preparing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Installing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finishing installation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Activating</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restoring previous software</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Update complete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Update rolled back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Update declined</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Update cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Update failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Installed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rolled back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Declined</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking the update</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Downloading the update</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Installing the update</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Activating the new software</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verifying the new software</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finishing the update</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restoring the previous software</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resuming after an interruption</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Updating</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>checking the update</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>waiting for your consent</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>downloading</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>waiting for the vehicle to be ready</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>installing</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>activating the new software</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>checking the new software</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>finishing the update</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>saving the update&apos;s progress</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>updating</source>
        <comment>failed step: completes &apos;while %1&apos;</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device %1 reported an error while %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device %1 did not answer in time while %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device %1 did not start the new software.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A required vehicle condition was no longer met while %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The update was stopped while %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You declined the update.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device %1 cannot take this update.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This update does not fit this vehicle.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The new software for device %1 was not available.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The update was interrupted by a power loss.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The update service had an internal error while %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A problem occurred while %1.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>HistoryScreen</name>
    <message>
        <source>Update history</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n update(s)</source>
        <translation>
            <numerusform>%n update</numerusform>
            <numerusform>%n updates</numerusform>
        </translation>
    </message>
    <message>
        <source>No updates yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>HmiRoot</name>
    <message>
        <source>Software update</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Automatic updates on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>IdleScreen</name>
    <message>
        <source>Your vehicle is up to date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last update: %1, %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No software update has been installed yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Update service</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Install updates automatically</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When this is on, updates are downloaded and installed without asking, as soon as the vehicle is parked.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Update history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Privacy</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InstallConsentScreen</name>
    <message>
        <source>Ready to install</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The vehicle cannot be driven for about %1 while the update is installed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The vehicle cannot be driven while the update is installed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Devices</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n device(s) will be updated</source>
        <translation>
            <numerusform>%n device will be updated</numerusform>
            <numerusform>%n devices will be updated</numerusform>
        </translation>
    </message>
    <message>
        <source>Installation time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Needs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If anything goes wrong, every device returns to its current software.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Install now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Later</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This update cannot be postponed any more.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Software update</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PostponedScreen</name>
    <message>
        <source>Update scheduled for %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Update postponed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The update is downloaded. The vehicle asks again before installing it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing has been downloaded yet. The vehicle asks again at the scheduled time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Install now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Update history</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PrivacyScreen</name>
    <message>
        <source>Delete your personal data?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Location and camera data stored in this vehicle are deleted now and cannot be restored. What you allow stays allowed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose what the vehicle may collect. Location and camera images are personal data: they are collected only when you allow it. Switching a kind of data off deletes what is stored of it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (personal)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1. Not collected at the moment.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1. Collected for: %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete my data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProgressScreen</name>
    <message>
        <source>%1 %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About %1 left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please keep the vehicle switched on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel update</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResultScreen</name>
    <message>
        <source>All devices run the new software. The vehicle is ready to drive.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The update could not be completed. Every device was returned to its previous software; the vehicle is ready to drive.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The update was not installed. Nothing was changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The update was stopped. Every device keeps its previous software.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The update failed and could not be undone on: %1. Please contact a workshop.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The update failed. The vehicle keeps its previous software.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finished</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OK</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Update history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Details for the workshop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The update could not be completed. Every device was set back to its previous software; some return to it only when the vehicle restarts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please restart the vehicle: %1 still run the new software until the next restart.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ScheduleScreen</name>
    <message>
        <source>Schedule the installation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Schedule the download</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The vehicle asks again at the chosen time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remind me at %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UnavailableScreen</name>
    <message>
        <source>Update service unavailable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Software updates are paused. This screen continues by itself as soon as the service is back; the vehicle can be used normally.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UpdateFlow</name>
    <message>
        <source>Vehicle parked (P)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Battery at least %1 %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In 1 hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tonight at %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tomorrow at %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The vehicle is no longer waiting for this answer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The vehicle refused the request: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The update service did not answer. Please try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Vehicle data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Location</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Camera images</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Diagnostics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System logs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Speed, battery and other signals of the vehicle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where the vehicle is and where it went</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pictures and clips from the vehicle&apos;s cameras</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fault codes and diagnostic files of the control units</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Messages of the vehicle&apos;s software</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n stored record(s) deleted.</source>
        <translation>
            <numerusform>%n stored record deleted.</numerusform>
            <numerusform>%n stored records deleted.</numerusform>
        </translation>
    </message>
    <message>
        <source>Your data could not be changed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This update cannot be postponed again.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>

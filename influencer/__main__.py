from influencer.cli import main

main()
